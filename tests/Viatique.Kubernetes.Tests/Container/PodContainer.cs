using System.Diagnostics;
using System.Globalization;
using k8s.Models;
using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests.Container;

/// <summary>
/// One container of a rendered pod spec, run by Docker the way the kubelet would run it: the same
/// user, read-only root, dropped capabilities, no privilege escalation, memory and CPU limits,
/// the ConfigMap as environment, every emptyDir as a tmpfs of its size, the Secret and ConfigMap
/// volumes as read-only files (the Secret's with the volume's mode and fsGroup), the role's
/// command and args; and its probes run as the kubelet
/// runs them (HTTP GET against the container's address, exec inside it).
/// </summary>
public sealed class PodContainer
{
    PodContainer(string name, V1PodSpec pod, V1Container spec)
    {
        Name = name;
        Pod = pod;
        Spec = spec;
    }

    public string Name { get; }

    public V1PodSpec Pod { get; }

    public V1Container Spec { get; }

    public string Address { get; private set; } = "";

    /// <summary>`docker run` arguments equivalent to the pod spec (everything after `docker`).</summary>
    public static List<string> RunArguments(V1PodSpec pod, V1Container container, string image, string name, string network,
        IReadOnlyDictionary<string, string> env, IReadOnlyDictionary<string, string> volumeDirectories, string label)
    {
        var podSecurity = pod.SecurityContext;
        var security = container.SecurityContext;
        var user = security.RunAsUser ?? podSecurity.RunAsUser ?? throw new InvalidDataException($"{name}: no runAsUser");
        var group = security.RunAsGroup ?? podSecurity.RunAsGroup ?? user;
        List<string> args = ["run", "--detach", "--name", name, "--network", network, "--label", label, "--user", $"{user}:{group}"];
        if (podSecurity.FsGroup is { } fsGroup)
        {
            args.AddRange(["--group-add", fsGroup.ToString(CultureInfo.InvariantCulture)]);
        }
        if (security.ReadOnlyRootFilesystem == true)
        {
            args.Add("--read-only");
        }
        foreach (var capability in security.Capabilities?.Drop ?? [])
        {
            args.AddRange(["--cap-drop", capability]);
        }
        if (security.AllowPrivilegeEscalation == false)
        {
            args.AddRange(["--security-opt", "no-new-privileges=true"]);
        }
        // RuntimeDefault is Docker's own default seccomp profile: nothing to add, anything else is unsupported here.
        var seccomp = (security.SeccompProfile ?? podSecurity.SeccompProfile)?.Type;
        if (seccomp != "RuntimeDefault")
        {
            throw new NotSupportedException($"{name}: seccomp {seccomp} has no Docker equivalent in these tests");
        }
        if (container.Resources?.Limits is { } limits)
        {
            var memory = limits["memory"].ToDecimal().ToString("0", CultureInfo.InvariantCulture);
            args.AddRange(["--memory", memory, "--memory-swap", memory,
                "--cpus", limits["cpu"].ToDecimal().ToString(CultureInfo.InvariantCulture)]);
        }
        foreach (var (key, value) in env)
        {
            args.AddRange(["--env", $"{key}={value}"]);
        }
        foreach (var mount in container.VolumeMounts ?? [])
        {
            var volume = pod.Volumes.Single(v => v.Name == mount.Name);
            if (volume.EmptyDir is { } emptyDir)
            {
                var size = emptyDir.SizeLimit?.ToDecimal().ToString("0", CultureInfo.InvariantCulture);
                args.AddRange(["--tmpfs", $"{mount.MountPath}:rw,exec,mode=1777{(size is null ? "" : ",size=" + size)}"]);
            }
            else if (volume.Secret is not null || volume.PersistentVolumeClaim is not null || volume.ConfigMap is not null)
            {
                // The kubelet mounts Secret and ConfigMap volumes read-only whatever the mount says.
                var readOnly = mount.ReadOnlyProperty == true || volume.PersistentVolumeClaim is null ? ",readonly" : "";
                args.AddRange(["--mount", $"type=bind,source={volumeDirectories[volume.Name]},target={mount.MountPath}{readOnly}"]);
            }
            else
            {
                throw new NotSupportedException($"{name}: volume {volume.Name} is of a kind these tests do not run");
            }
        }
        if (container.Command is { Count: > 0 } command)
        {
            args.AddRange(["--entrypoint", command[0]]);
            args.Add(image);
            args.AddRange(command.Skip(1));
        }
        else
        {
            args.Add(image);
        }
        args.AddRange(container.Args ?? []);
        return args;
    }

    public static async Task<PodContainer> StartAsync(V1PodSpec pod, V1Container container, string image, string name, string network,
        IReadOnlyDictionary<string, string> env, IReadOnlyDictionary<string, string> volumeDirectories, string label)
    {
        await Command.DockerAsync([.. RunArguments(pod, container, image, name, network, env, volumeDirectories, label)]);
        var started = new PodContainer(name, pod, container);
        started.Address = await Command.DockerAsync("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name);
        return started;
    }

    public async Task<string> LogsAsync()
    {
        var result = await Command.RunAsync("docker", ["logs", Name], TimeSpan.FromSeconds(30));
        return result.Output + result.Error;
    }

    /// <summary>Runs a probe until it passes, as the kubelet does: at most failureThreshold attempts, periodSeconds apart.</summary>
    public async Task<ProbeOutcome> WaitUntilPassesAsync(V1Probe probe)
    {
        var clock = Stopwatch.StartNew();
        var attempts = probe.FailureThreshold ?? 3;
        ProbeOutcome last = new(false, "not run", TimeSpan.Zero);
        await Task.Delay(TimeSpan.FromSeconds(probe.InitialDelaySeconds ?? 0));
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var started = clock.Elapsed;
            last = await ProbeOnceAsync(probe);
            if (last.Passed)
            {
                return last with { After = clock.Elapsed };
            }
            // The kubelet would restart an exited container; here its exit is the answer.
            var state = await Command.DockerAsync("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", Name);
            if (!state.StartsWith("running", StringComparison.Ordinal))
            {
                return new(false, $"the container is {state} (status, exit code); last probe: {last.Detail}", clock.Elapsed);
            }
            var rest = TimeSpan.FromSeconds(probe.PeriodSeconds ?? 10) - (clock.Elapsed - started);
            if (rest > TimeSpan.Zero && attempt < attempts)
            {
                await Task.Delay(rest);
            }
        }
        return last with { After = clock.Elapsed };
    }

    /// <summary>One probe, within its timeoutSeconds: an HTTP status in 200–399, or exit code 0.</summary>
    public async Task<ProbeOutcome> ProbeOnceAsync(V1Probe probe)
    {
        var timeout = TimeSpan.FromSeconds(probe.TimeoutSeconds ?? 1);
        var clock = Stopwatch.StartNew();
        if (probe.HttpGet is { } http)
        {
            var port = int.TryParse(http.Port.Value, out var number) ? number : Spec.Ports.Single(p => p.Name == http.Port.Value).ContainerPort;
            using var client = new HttpClient { Timeout = timeout };
            try
            {
                using var response = await client.GetAsync($"http://{Address}:{port}{http.Path}");
                var status = (int)response.StatusCode;
                return new(status is >= 200 and < 400, $"GET {http.Path} → {status} {await response.Content.ReadAsStringAsync()}", clock.Elapsed);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return new(false, $"GET {http.Path}: {e.GetType().Name} {e.Message}", clock.Elapsed);
            }
        }
        if (probe.Exec is { } exec)
        {
            try
            {
                // docker exec's own round trip is added to the probe's budget: the kubelet's exec has no such client.
                var result = await Command.RunAsync("docker", ["exec", Name, .. exec.Command], timeout + TimeSpan.FromSeconds(5));
                return new(result.Ok, $"{string.Join(' ', exec.Command)} → exit {result.ExitCode}: {result.Output.Trim()} {result.Error.Trim()}", clock.Elapsed);
            }
            catch (TimeoutException e)
            {
                return new(false, e.Message, clock.Elapsed);
            }
        }
        throw new NotSupportedException($"{Name}: a probe that is neither httpGet nor exec");
    }
}

public sealed record ProbeOutcome(bool Passed, string Detail, TimeSpan After);
