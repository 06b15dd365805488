using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Viatique.Kubernetes.Tests.Infrastructure;

/// <summary>The production overlay as kubectl would apply it, read strictly into the models.</summary>
public sealed class Overlay
{
    static readonly Lazy<Overlay> production = new(() => Render(Manifests.Production));

    Overlay(IReadOnlyList<object> objects, string renderer)
    {
        Objects = objects;
        Renderer = renderer;
    }

    public static Overlay Production => production.Value;

    public IReadOnlyList<object> Objects { get; }

    /// <summary>Which tool rendered it: kustomize (kubectl) when the machine has it, else the test's own.</summary>
    public string Renderer { get; }

    public IEnumerable<T> OfType<T>() => Objects.OfType<T>();

    public T Single<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Objects.OfType<T>().SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new InvalidOperationException($"the overlay renders no {typeof(T).Name} named {name}");

    public V1ConfigMap Config => Single<V1ConfigMap>("viatique-config");

    /// <summary>The ConfigMap a configMapGenerator made: its name, a dash and kustomize's 10-character content hash.</summary>
    public V1ConfigMap Generated(string generator) =>
        OfType<V1ConfigMap>().SingleOrDefault(c => IsGenerated(c.Metadata.Name, generator))
        ?? throw new InvalidOperationException($"the overlay renders no ConfigMap generated as {generator}");

    public static bool IsGenerated(string name, string generator) =>
        name.Length == generator.Length + 11 && name.StartsWith(generator + "-", StringComparison.Ordinal);

    /// <summary>A pod template's container by name (the web pod has the host and its media sidecar).</summary>
    public V1Container Container(string workload, string name) =>
        PodSpecs().Single(p => p.Name == workload).Pod.Containers.SingleOrDefault(c => c.Name == name)
        ?? throw new InvalidOperationException($"{workload} has no container named {name}");

    /// <summary>Every pod template: the three Deployments and the migrate Job.</summary>
    public IEnumerable<(string Name, V1PodSpec Pod)> PodSpecs() =>
        OfType<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template.Spec))
            .Concat(OfType<V1Job>().Select(j => (j.Metadata.Name, j.Spec.Template.Spec)));

    public IEnumerable<(string Name, V1PodSpec Pod, V1Container Container)> Containers() =>
        PodSpecs().SelectMany(p => (p.Pod.InitContainers ?? []).Concat(p.Pod.Containers).Select(c => (p.Name, p.Pod, c)));

    /// <summary>The web pod's nginx sidecar that serves the user uploads (/media/).</summary>
    public const string MediaSidecar = "media";

    /// <summary>The containers that run the host (every one but the media sidecar): they read the settings and secrets.</summary>
    public IEnumerable<(string Name, V1PodSpec Pod, V1Container Container)> HostContainers() =>
        Containers().Where(c => !(c.Name == "viatique-web" && c.Container.Name == MediaSidecar));

    static Overlay Render(string directory)
    {
        if (Kubectl.Path is { } kubectl)
        {
            var yaml = Kubectl.Kustomize(kubectl, directory);
            return new Overlay(Manifests.Parse(yaml), $"kustomize ({kubectl} kustomize)");
        }
        Console.Error.WriteLine(
            "Viatique.Kubernetes.Tests: kubectl is not on PATH, so kustomize rendering is not available. The overlay was " +
            "rendered by the tests' own renderer instead (resources, namespace, images, replicas and strategic-merge " +
            "patches, the only kustomize fields the strict Kustomization model admits); install kubectl to check it with kustomize.");
        return new Overlay(Manifests.Parse(OwnRenderer.Render(directory)), "the tests' own renderer (no kubectl on PATH)");
    }
}

/// <summary>The machine's kubectl, whose built-in kustomize renders an overlay offline.</summary>
public static class Kubectl
{
    public static string? Path { get; } = Environment.GetEnvironmentVariable("PATH")?.Split(System.IO.Path.PathSeparator)
        .Select(dir => System.IO.Path.Combine(dir, "kubectl")).FirstOrDefault(File.Exists);

    public static string Kustomize(string kubectl, string directory)
    {
        var start = new ProcessStartInfo(kubectl, ["kustomize", directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"kubectl kustomize {directory} did not finish within 60 s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {directory} failed ({process.ExitCode}): {error.Result}");
        }
        return output.Result;
    }
}
