namespace Viatique.Deploy.Tests.Infrastructure;

/// <summary>The Docker engine the container tests talk to (scripts/test.sh installs and starts it).</summary>
public static class DockerEngine
{
    public static async Task EnsureRunningAsync()
    {
        CommandResult info;
        try
        {
            info = await Command.RunAsync("docker", ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(30));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("docker is not installed: run ./scripts/test.sh, which installs docker.io, docker-compose, debootstrap and pebble.");
        }
        if (!info.Ok)
        {
            throw new InvalidOperationException($"The Docker engine does not answer ({info.Error.Trim()}); start dockerd (./scripts/test.sh starts it when it is not running).");
        }
    }
}
