namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>Paths of the repository under test.</summary>
static class Repo
{
    public static readonly string Root = FindRoot();

    /// <summary>The built host, as the test command built it (VIATIQUE_APP_DLL overrides).</summary>
    public static string AppDll =>
        Environment.GetEnvironmentVariable("VIATIQUE_APP_DLL") is { Length: > 0 } dll
            ? dll
            : Directory.GetFiles(System.IO.Path.Combine(Root, "src/Viatique.Api/bin"), "Viatique.Api.dll", SearchOption.AllDirectories)
                .Where(p => p.Contains("net10.0", StringComparison.Ordinal) && !p.Contains("/publish/", StringComparison.Ordinal))
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault()
              ?? throw new InvalidOperationException("Viatique.Api.dll is not built: run the README's test command, or dotnet build.");

    public static string Dotnet { get; } = FindOnPath("dotnet");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Concat(["/usr/sbin", "/sbin", "/usr/share/dotnet"])
            .Select(dir => System.IO.Path.Combine(dir, program))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{program} is not installed; the README's test command installs it.");

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Viatique.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Viatique.sln not found above " + AppContext.BaseDirectory);
    }
}
