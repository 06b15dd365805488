using k8s.Models;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests;

/// <summary>Every container of every role runs as the restricted Pod Security Standard asks.</summary>
public class PodSecurityTests
{
    /// <summary>The image's user (docker/Dockerfile): uid 1000, never root.</summary>
    const long AppUser = 1000;

    /// <summary>Peak resident memory of the host under load (README benchmark), which every limit must cover.</summary>
    static readonly ResourceQuantity PeakMemory = new("220Mi");

    /// <summary>The media sidecar's nginx (one worker): a few MiB resident; MediaSidecarTests checks it stays under 16 MiB.</summary>
    internal static readonly ResourceQuantity MediaSidecarPeakMemory = new("16Mi");

    public static TheoryData<string> ContainerNames() => new(Overlay.Production.Containers().Select(c => $"{c.Name}/{c.Container.Name}"));

    static (V1PodSpec Pod, V1Container Container) Find(string name)
    {
        var match = Overlay.Production.Containers().Single(c => $"{c.Name}/{c.Container.Name}" == name);
        return (match.Pod, match.Container);
    }

    [Theory]
    [MemberData(nameof(ContainerNames))]
    public void RunsAsTheAppUserWithoutPrivilegesOnAReadOnlyRoot(string name)
    {
        var (pod, container) = Find(name);
        var own = container.SecurityContext;

        Assert.True(own.RunAsNonRoot ?? pod.SecurityContext.RunAsNonRoot);
        Assert.Equal(AppUser, own.RunAsUser ?? pod.SecurityContext.RunAsUser);
        Assert.False(own.AllowPrivilegeEscalation);
        Assert.True(own.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], own.Capabilities.Drop);
        Assert.Null(own.Capabilities.Add);
        Assert.Null(own.Privileged);
        Assert.Equal("RuntimeDefault", (own.SeccompProfile ?? pod.SecurityContext.SeccompProfile).Type);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.Null(pod.HostNetwork);
        Assert.Null(pod.HostPID);
    }

    [Theory]
    [MemberData(nameof(ContainerNames))]
    public void WritesOnlyToVolumesAndTheTemporaryDirectoryIsOne(string name)
    {
        var (pod, container) = Find(name);
        var mounts = container.VolumeMounts.ToDictionary(m => m.MountPath, m => pod.Volumes.Single(v => v.Name == m.Name));

        var tmp = Assert.Contains("/tmp", mounts);
        Assert.NotNull(tmp.EmptyDir);
        Assert.NotNull(tmp.EmptyDir.SizeLimit);
        Assert.All(container.VolumeMounts.Where(m => mounts[m.MountPath].Secret is not null), m => Assert.True(m.ReadOnlyProperty));
    }

    [Theory]
    [MemberData(nameof(ContainerNames))]
    public void RequestsAndLimitsCpuAndMemorySizedAbovePeak(string name)
    {
        var resources = Find(name).Container.Resources;
        // The media sidecar is nginx, not the host: MediaSidecarTests measures it under its limit.
        var peak = name == $"viatique-web/{Overlay.MediaSidecar}" ? MediaSidecarPeakMemory : PeakMemory;

        foreach (var kind in new[] { "cpu", "memory" })
        {
            var request = resources.Requests[kind].ToDecimal();
            var limit = resources.Limits[kind].ToDecimal();
            Assert.True(request > 0 && request <= limit, $"{name}: {kind} request {request} must be positive and at most its limit {limit}");
        }
        Assert.True(resources.Limits["memory"].ToDecimal() > peak.ToDecimal(), $"{name}: the memory limit must exceed the measured peak ({peak})");
    }

    [Fact]
    public void TheMediaSidecarReadsTheClaimTheHostWritesAndMountsItReadOnly()
    {
        var web = Overlay.Production.Single<V1Deployment>("viatique-web").Spec.Template.Spec;
        var host = Overlay.Production.Container("viatique-web", "web");
        var sidecar = Overlay.Production.Container("viatique-web", Overlay.MediaSidecar);
        var claim = Assert.Single(web.Volumes, v => v.PersistentVolumeClaim is not null);

        Assert.NotEqual(true, Assert.Single(host.VolumeMounts, m => m.Name == claim.Name).ReadOnlyProperty);
        Assert.True(Assert.Single(sidecar.VolumeMounts, m => m.Name == claim.Name).ReadOnlyProperty);
        Assert.All(sidecar.VolumeMounts.Where(m => m.Name != "tmp"), m => Assert.True(m.ReadOnlyProperty, m.Name));
        // Same user as the host, so it reads the files the host writes whatever their mode.
        Assert.Equal(host.SecurityContext.RunAsUser, sidecar.SecurityContext.RunAsUser);
        Assert.Null(sidecar.EnvFrom);
    }

    [Fact]
    public void TheNamespaceEnforcesTheRestrictedStandard()
    {
        var ns = Overlay.Production.Single<V1Namespace>("viatique");

        Assert.Equal("restricted", ns.Metadata.Labels["pod-security.kubernetes.io/enforce"]);
    }
}
