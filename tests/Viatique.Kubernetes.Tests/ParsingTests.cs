using k8s.Models;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests;

public class ParsingTests
{
    public static TheoryData<string> ManifestFiles() =>
        new(Manifests.Files().Select(f => Path.GetRelativePath(Manifests.Root, f)));

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void EveryManifestReadsStrictlyIntoItsModel(string file)
    {
        var documents = Manifests.ParseFile(Path.Combine(Manifests.Root, file));

        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.IsAssignableFrom<k8s.IKubernetesObject<V1ObjectMeta>>(d));
    }

    [Fact]
    public void TheStrictReaderRefusesAMisspeltField()
    {
        const string yaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: typo
            spec:
              replica: 2
            """;

        var error = Assert.ThrowsAny<Exception>(() => Manifests.Parse(yaml));
        Assert.Contains("replica", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheStrictReaderRefusesAMisspeltFieldOfACustomResource()
    {
        const string yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: typo
            spec:
              parentRef:
                - name: viatique
            """;

        var error = Assert.ThrowsAny<Exception>(() => Manifests.Parse(yaml));
        Assert.Contains("parentRef", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsTheBuiltInKindsIntoTheOfficialModels()
    {
        var web = Manifests.ParseFile(Path.Combine(Manifests.Base, "web-deployment.yaml"));

        var deployment = Assert.IsType<V1Deployment>(Assert.Single(web));
        Assert.Equal("viatique-web", deployment.Metadata.Name);
    }
}
