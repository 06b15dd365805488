using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Operations;

/// <summary>Every shell script of the repository passes shellcheck; every operations script has --help and refuses what it does not know.</summary>
public class ShellScriptTests
{
    public static TheoryData<string> Scripts() =>
        [.. Directory.EnumerateFiles(Repo.Root, "*.sh", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Repo.Root, p))
            .Where(p => !p.Split('/').Any(part => part is "bin" or "obj" or ".git" or "node_modules"))
            .Order(StringComparer.Ordinal)];

    public static TheoryData<string> OperationsScripts() => ["docker/backup.sh", "docker/backup_media.sh", "docker/restore.sh", "docker/deploy.sh"];

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task PassesShellcheck(string script)
    {
        var result = await Script.RunProgramAsync(Repo.FindOnPath("shellcheck"), new Dictionary<string, string>(), ["-x", script]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [MemberData(nameof(OperationsScripts))]
    public async Task HelpExitsZeroAndAnUnknownOptionIsRefused(string script)
    {
        var help = await Script.RunAsync(script, new Dictionary<string, string>(), "--help");
        var unknown = await Script.RunAsync(script, new Dictionary<string, string>(), "--no-such-option");

        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.StartsWith("Usage: ", help.Stdout);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("--no-such-option", unknown.Stderr);
    }
}
