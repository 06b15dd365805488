using k8s.Models;
using Viatique.Deploy.Tests.Infrastructure;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests.Container;

/// <summary>
/// The web pod's media sidecar on Docker, started from the rendered overlay as the kubelet would
/// start it (<see cref="PodContainer"/>: its user, read-only root, no capabilities, limits, the
/// /tmp emptyDir as a tmpfs, its command), with the generated ConfigMap projected as files and a
/// media directory in place of the claim, read-only as the sidecar mounts it. The overlay's nginx
/// image is swapped for its stand-in (tests/Viatique.Deploy.Tests/StandIns, nginx.Dockerfile), the
/// same one the compose tests run. The media directory holds what the host writes on an upload:
/// random names, owned by the host's uid 1000, here with a umask that lets nobody else read them.
/// Disposing removes the container, the network and the files.
/// </summary>
public sealed class MediaSidecarOnDocker : IAsyncLifetime
{
    /// <summary>The images the overlay names and the stand-in each runs as here.</summary>
    static readonly Dictionary<string, string> StandIns = new() { ["nginx:1.27-alpine"] = DockerImages.Nginx };

    readonly DockerScratch _scratch = new("viatique-k8s-media");
    readonly Dictionary<string, string> _volumes = [];
    string _image = "";

    public DockerImages Images { get; } = new();

    public static Overlay Overlay => Overlay.Production;

    public PodContainer Sidecar { get; private set; } = null!;

    /// <summary>The media directory (the claim): what the host wrote, by stored name.</summary>
    public string MediaDirectory { get; private set; } = "";

    /// <summary>An upload as the host stores it: 32 hex digits and the extension (MediaEndpoints).</summary>
    public string Text { get; } = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + ".txt";

    /// <summary>A page that would run a script if a browser rendered it as this origin's.</summary>
    public string Page { get; } = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + ".html";

    public const string TextContent = "plain words\n";

    public const string PageContent = "<!doctype html><script>document.title = 'ran'</script>\n";

    /// <summary>A directory under the claim.</summary>
    public const string Subdirectory = "2026";

    /// <summary>The host's own directory of uploads in progress.</summary>
    public const string Incoming = ".incoming";

    public async ValueTask InitializeAsync()
    {
        await Images.InitializeAsync();
        var pod = Overlay.Single<V1Deployment>("viatique-web").Spec.Template.Spec;
        var sidecar = Overlay.Container("viatique-web", Overlay.MediaSidecar);
        var image = StandIns.GetValueOrDefault(sidecar.Image)
            ?? throw new InvalidOperationException($"the media sidecar's image {sidecar.Image} has no stand-in here: add one to StandIns and to tests/Viatique.Deploy.Tests/StandIns");

        var volumes = _volumes;
        foreach (var mount in sidecar.VolumeMounts)
        {
            var volume = pod.Volumes.Single(v => v.Name == mount.Name);
            if (volume.ConfigMap is { } configMap)
            {
                volumes[volume.Name] = await ConfigMapFilesAsync(Overlay.Single<V1ConfigMap>(configMap.Name));
            }
            else if (volume.PersistentVolumeClaim is not null)
            {
                volumes[volume.Name] = MediaDirectory = await MediaFilesAsync(pod.SecurityContext.RunAsUser!.Value, pod.SecurityContext.RunAsGroup!.Value);
            }
        }

        _image = image;
        await _scratch.CreateNetworkAsync();
        Sidecar = await StartAnotherAsync();
    }

    /// <summary>Another sidecar of another web pod on the same claim (for a test that stops it).</summary>
    public async Task<PodContainer> StartAnotherAsync()
    {
        var name = _scratch.ContainerName($"media-{_scratch.Containers}");
        var pod = Overlay.Single<V1Deployment>("viatique-web").Spec.Template.Spec;
        return await PodContainer.StartAsync(pod, Overlay.Container("viatique-web", Overlay.MediaSidecar), _image, name, _scratch.Network,
            new Dictionary<string, string>(), _volumes, _scratch.Label);
    }

    public ValueTask DisposeAsync() => _scratch.DisposeAsync();

    /// <summary>A ConfigMap volume as the kubelet projects it: one root-owned file per key, mode 0644 (the default).</summary>
    async Task<string> ConfigMapFilesAsync(V1ConfigMap configMap)
    {
        var directory = _scratch.NewDirectory();
        (await Command.RunAsync("chmod", ["0755", directory], TimeSpan.FromSeconds(10))).Check();
        foreach (var (key, value) in configMap.Data)
        {
            var file = Path.Combine(directory, key);
            File.WriteAllText(file, value);
            (await Command.RunAsync("chmod", ["0644", file], TimeSpan.FromSeconds(10))).Check();
        }
        return directory;
    }

    /// <summary>The claim with two uploads, a subdirectory and an upload in progress, owned by the host's user; mode 0640, readable by no one else.</summary>
    async Task<string> MediaFilesAsync(long user, long group)
    {
        var directory = _scratch.NewDirectory();
        Directory.CreateDirectory(Path.Combine(directory, Subdirectory));
        Directory.CreateDirectory(Path.Combine(directory, Incoming));
        File.WriteAllText(Path.Combine(directory, Incoming, "0123456789abcdef0123456789abcdef.part"), TextContent);
        File.WriteAllText(Path.Combine(directory, Text), TextContent);
        File.WriteAllText(Path.Combine(directory, Page), PageContent);
        (await Command.RunAsync("chmod", ["-R", "u=rwX,g=rX,o=", directory], TimeSpan.FromSeconds(10))).Check();
        (await Command.RunAsync("chown", ["-R", $"{user}:{group}", directory], TimeSpan.FromSeconds(10))).Check();
        return directory;
    }
}
