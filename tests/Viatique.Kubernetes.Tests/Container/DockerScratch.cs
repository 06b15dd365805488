using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests.Container;

/// <summary>
/// What one fixture makes on Docker and on the host, removed together: a private network (every
/// name derived from it, every object labelled with the run), the containers started on it, and
/// the host directories mounted into them.
/// </summary>
public sealed class DockerScratch(string prefix) : IAsyncDisposable
{
    readonly string _run = Guid.NewGuid().ToString("N")[..10];
    readonly List<string> _containers = [];
    readonly List<string> _directories = [];

    public string Network => $"{prefix}-{_run}";

    public string Label => "org.viatique.test.k8s=" + _run;

    public Task CreateNetworkAsync() => Command.DockerAsync("network", "create", "--label", Label, Network);

    /// <summary>The name of a container about to start on the network; it is removed with the rest.</summary>
    public string ContainerName(string suffix)
    {
        var name = $"{Network}-{suffix}";
        _containers.Add(name);
        return name;
    }

    /// <summary>How many containers were named so far.</summary>
    public int Containers => _containers.Count;

    /// <summary>A new empty host directory; it is deleted with the rest.</summary>
    public string NewDirectory()
    {
        var path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
        _directories.Add(path);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _containers)
        {
            await Command.RunAsync("docker", ["rm", "--force", "--volumes", container], TimeSpan.FromMinutes(1));
        }
        await Command.RunAsync("docker", ["network", "rm", Network], TimeSpan.FromMinutes(1));
        foreach (var directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
