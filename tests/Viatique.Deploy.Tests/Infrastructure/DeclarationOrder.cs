using Xunit.Sdk;
using Xunit.v3;

namespace Viatique.Deploy.Tests.Infrastructure;

/// <summary>
/// Runs a class's tests in the order they are written, for scenarios that share one stack and
/// build on each other (the deployment of B, then of C over it). Each test still checks its own
/// starting point.
/// </summary>
public sealed class DeclarationOrder : ITestCaseOrderer
{
    public IReadOnlyCollection<TTestCase> OrderTestCases<TTestCase>(IReadOnlyCollection<TTestCase> testCases)
        where TTestCase : notnull, ITestCase =>
        // The method's own metadata token (declaration order); the runner's copy is not always set,
        // and without it the cases come in discovery order, which is alphabetical.
        [.. testCases.OrderBy(t => t is IXunitTestCase x ? x.TestMethod.Method.MetadataToken : t.TestMethodMetadataToken ?? 0)];
}
