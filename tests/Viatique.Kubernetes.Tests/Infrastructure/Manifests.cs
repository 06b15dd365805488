using k8s;

namespace Viatique.Kubernetes.Tests.Infrastructure;

/// <summary>The files under deploy/kubernetes, read strictly into the official models.</summary>
public static class Manifests
{
    /// <summary>apiVersion/kind of the custom resources, for KubernetesYaml's type map.</summary>
    static readonly Dictionary<string, Type> CustomKinds = new()
    {
        ["gateway.networking.k8s.io/v1/Gateway"] = typeof(Gateway),
        ["gateway.networking.k8s.io/v1/HTTPRoute"] = typeof(HttpRoute),
        ["cert-manager.io/v1/Certificate"] = typeof(Certificate),
        ["gateway.nginx.org/v1alpha1/ClientSettingsPolicy"] = typeof(ClientSettingsPolicy),
        ["kustomize.config.k8s.io/v1beta1/Kustomization"] = typeof(Kustomization),
    };

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Root => Path.Combine(RepoRoot, "deploy", "kubernetes");

    public static string Base => Path.Combine(Root, "base");

    public static string Production => Path.Combine(Root, "overlays", "production");

    public static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(Root, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    /// <summary>Every document of a YAML stream as its model; unknown or misspelt fields throw.</summary>
    public static IReadOnlyList<object> Parse(string yaml) => KubernetesYaml.LoadAllFromString(yaml, CustomKinds, strict: true);

    public static IReadOnlyList<object> ParseFile(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e)
        {
            throw new InvalidDataException($"{Path.GetRelativePath(RepoRoot, path)} does not read strictly: {e.Message} {e.InnerException?.Message}", e);
        }
    }

    static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Viatique.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("no Viatique.sln above " + AppContext.BaseDirectory);
    }
}
