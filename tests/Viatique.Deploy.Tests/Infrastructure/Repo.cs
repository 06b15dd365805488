namespace Viatique.Deploy.Tests.Infrastructure;

/// <summary>Paths of the repository under test.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

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
