using k8s.Models;
using Viatique.Api.Jobs;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests;

/// <summary>The roles, their probes and how they roll out, in the rendered production overlay.</summary>
public class WorkloadTests
{
    /// <summary>The web host's graceful shutdown: in-flight requests get up to 30 s (SPEC §7, Hosting/HttpPipeline.cs).</summary>
    static readonly TimeSpan WebShutdown = TimeSpan.FromSeconds(30);

    static Overlay Overlay => Overlay.Production;

    /// <summary>How long the entrypoint waits for the database, then for the migrated schema (seconds, from the ConfigMap).</summary>
    static double EntrypointWait(string variable) => double.Parse(Overlay.Config.Data[variable], System.Globalization.CultureInfo.InvariantCulture);

    static double Window(V1Probe probe) => (probe.PeriodSeconds ?? 10) * (probe.FailureThreshold ?? 3);

    /// <summary>The host's container of a role's Deployment (named like the role: web, worker, scheduler).</summary>
    static V1Container Container(string deployment) => Overlay.Container(deployment, deployment["viatique-".Length..]);

    static string OverlayImage(string name)
    {
        var kustomization = Manifests.ParseFile(Path.Combine(Manifests.Production, "kustomization.yaml")).OfType<Kustomization>().Single();
        var image = Assert.Single(kustomization.Images, i => i.Name == name);
        return $"{image.NewName}:{image.NewTag}";
    }

    [Fact]
    public void EveryHostContainerRunsTheOneImageTheOverlayNamesAndTheMediaSidecarItsNginx()
    {
        var containers = Overlay.Containers().ToList();
        var hosts = Overlay.HostContainers().ToList();

        Assert.Equal(4, hosts.Count);
        Assert.All(hosts, c => Assert.Equal(OverlayImage("viatique"), c.Container.Image));
        var sidecar = Assert.Single(containers.Except(hosts));
        Assert.Equal(Overlay.MediaSidecar, sidecar.Container.Name);
        Assert.Equal("viatique-web", sidecar.Name);
        // The single host's nginx (docker/docker-compose.prod.yml), pinned to a version, never :latest.
        Assert.Equal(OverlayImage("nginx"), sidecar.Container.Image);
        Assert.Matches(@"^nginx:\d+\.\d+", sidecar.Container.Image);
        Assert.Contains($"image: {sidecar.Container.Image}", File.ReadAllText(Path.Combine(Manifests.RepoRoot, "docker", "docker-compose.prod.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheMediaSidecarRunsOnlyItsConfigurationAndIsProbedOnItsPort()
    {
        var sidecar = Overlay.Container("viatique-web", Overlay.MediaSidecar);
        var configuration = Assert.Single(sidecar.VolumeMounts, m => m.Name != "media" && m.Name != "tmp");
        var port = Assert.Single(sidecar.Ports);

        Assert.Equal(["nginx", "-e", "stderr", "-c", $"{configuration.MountPath}/nginx.conf"], sidecar.Command);
        Assert.Null(sidecar.Args);
        foreach (var probe in new[] { sidecar.LivenessProbe, sidecar.ReadinessProbe })
        {
            Assert.Equal(port.Name, probe.HttpGet.Port.Value);
            Assert.Contains($"location = {probe.HttpGet.Path} ", Overlay.Generated("viatique-media-nginx").Data["nginx.conf"], StringComparison.Ordinal);
        }
        // It keeps serving while the Gateway drops the pod, as long as the host does.
        Assert.Equal(Container("viatique-web").Lifecycle.PreStop.Sleep.Seconds, sidecar.Lifecycle.PreStop.Sleep.Seconds);
    }

    [Theory]
    [InlineData("viatique-web", "serve")]
    [InlineData("viatique-worker", "worker")]
    [InlineData("viatique-scheduler", "scheduler")]
    public void EachDeploymentRunsItsRoleThroughTheEntrypoint(string deployment, string verb)
    {
        var container = Container(deployment);

        Assert.Null(container.Command);
        Assert.Equal([verb], container.Args);
    }

    [Fact]
    public void TheMigrationJobRunsMigrateOnceWithoutRestartingInPlace()
    {
        var job = Overlay.Single<V1Job>("viatique-migrate");
        var container = Assert.Single(job.Spec.Template.Spec.Containers);

        Assert.Equal(["migrate"], container.Args);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
        Assert.InRange(job.Spec.BackoffLimit ?? 6, 1, 5);
        Assert.NotNull(job.Spec.ActiveDeadlineSeconds);
    }

    [Fact]
    public void WebProbesLivenessOnLiveAndReadinessOnHealthAtTheListeningPort()
    {
        var web = Container("viatique-web");
        var port = Assert.Single(web.Ports);
        var listening = new Uri(Overlay.Config.Data["ASPNETCORE_URLS"].Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;

        Assert.Equal(listening, port.ContainerPort);
        Assert.Equal("/health/live/", web.StartupProbe.HttpGet.Path);
        Assert.Equal("/health/live/", web.LivenessProbe.HttpGet.Path);
        Assert.Equal("/health/", web.ReadinessProbe.HttpGet.Path);
        Assert.All(new[] { web.StartupProbe, web.LivenessProbe, web.ReadinessProbe },
            p => Assert.Equal(port.Name, p.HttpGet.Port.Value));
        Assert.True(Window(web.StartupProbe) > EntrypointWait("DATABASE_WAIT_TIMEOUT"), "the entrypoint, not the kubelet, must end a wait for the database");
        // /health/ answers within 5 s even when a dependency hangs (SPEC §5): the probe waits longer.
        Assert.True(web.ReadinessProbe.TimeoutSeconds > 5);
    }

    [Theory]
    [InlineData("viatique-worker", "worker")]
    [InlineData("viatique-scheduler", "scheduler")]
    public void BackgroundRolesProbeTheirJobServerThroughHealthcheck(string deployment, string role)
    {
        var container = Container(deployment);

        foreach (var probe in new[] { container.StartupProbe, container.LivenessProbe })
        {
            var command = probe.Exec.Command;
            Assert.Equal(["healthcheck", "--role", role], command.Skip(command.Count - 3));
            // The probe's verdict comes from a heartbeat at most this old; probing more often than that tells nothing new.
            Assert.True(probe.TimeoutSeconds >= 10);
        }
        Assert.True(Window(container.LivenessProbe) > JobTimings.ServerTimeout.TotalSeconds);
        Assert.True(Window(container.StartupProbe) > EntrypointWait("SCHEMA_WAIT_TIMEOUT"), "the entrypoint, not the kubelet, must end a wait for the schema");
        Assert.Null(container.Ports);
    }

    [Fact]
    public void WebRollsOutWithoutLosingCapacityAndLeavesTheServiceBeforeStopping()
    {
        var web = Overlay.Single<V1Deployment>("viatique-web");
        var pod = web.Spec.Template.Spec;
        var preStop = Container("viatique-web").Lifecycle.PreStop.Sleep.Seconds;

        Assert.Equal("RollingUpdate", web.Spec.Strategy.Type);
        Assert.Equal("0", web.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.True(preStop >= 5, "preStop must give the endpoints time to drop the pod");
        Assert.True(pod.TerminationGracePeriodSeconds > preStop + WebShutdown.TotalSeconds,
            $"grace {pod.TerminationGracePeriodSeconds} s must exceed the preStop pause ({preStop} s) plus the host's shutdown ({WebShutdown.TotalSeconds} s)");
    }

    [Theory]
    [InlineData("viatique-worker")]
    [InlineData("viatique-scheduler")]
    public void BackgroundRolesGetMoreTimeToStopThanTheHostAndHangfire(string deployment)
    {
        var spec = Overlay.Single<V1Deployment>(deployment).Spec;

        Assert.True(JobTimings.HostShutdownTimeout > JobTimings.ShutdownTimeout);
        Assert.True(spec.Template.Spec.TerminationGracePeriodSeconds > JobTimings.HostShutdownTimeout.TotalSeconds);
        Assert.Equal("0", spec.Strategy.RollingUpdate.MaxUnavailable.Value);
    }

    [Fact]
    public void WebRunsSeveralReplicasUnderADisruptionBudgetAndAnAutoscalerThatOwnsTheirCount()
    {
        var web = Overlay.Single<V1Deployment>("viatique-web");
        var budget = Overlay.Single<V1PodDisruptionBudget>("viatique-web");
        var autoscaler = Overlay.Single<V2HorizontalPodAutoscaler>("viatique-web");
        var baseWeb = Manifests.ParseFile(Path.Combine(Manifests.Base, "web-deployment.yaml")).OfType<V1Deployment>().Single();

        Assert.True(baseWeb.Spec.Replicas >= 2);
        Assert.Null(web.Spec.Replicas);
        Assert.Equal(web.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);
        Assert.Equal(("Deployment", "viatique-web"), (autoscaler.Spec.ScaleTargetRef.Kind, autoscaler.Spec.ScaleTargetRef.Name));
        Assert.True(autoscaler.Spec.MinReplicas >= 2 && autoscaler.Spec.MaxReplicas > autoscaler.Spec.MinReplicas);
    }

    [Fact]
    public void TheServiceReachesTheWebPodsOnTheirNamedPorts()
    {
        var service = Overlay.Single<V1Service>("viatique-web");
        var web = Overlay.Single<V1Deployment>("viatique-web");

        Assert.Equal(web.Spec.Selector.MatchLabels, service.Spec.Selector);
        var containerPorts = web.Spec.Template.Spec.Containers.SelectMany(c => c.Ports ?? []).Select(p => p.Name).Order();
        Assert.Equal(containerPorts, service.Spec.Ports.Select(p => p.TargetPort.Value).Order());
        Assert.Equal(Assert.Single(Container("viatique-web").Ports).Name, Assert.Single(service.Spec.Ports, p => p.Port == 80).TargetPort.Value);
    }

    [Fact]
    public void EveryObjectCarriesTheRecommendedLabels()
    {
        var objects = Overlay.Objects.OfType<k8s.IKubernetesObject<V1ObjectMeta>>().ToList();
        var templates = Overlay.OfType<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template.Metadata.Labels))
            .Concat(Overlay.OfType<V1Job>().Select(j => (j.Metadata.Name, j.Spec.Template.Metadata.Labels)));

        Assert.All(objects, o => Assert.Equal("viatique", o.Metadata.Labels["app.kubernetes.io/part-of"]));
        Assert.All(templates, t =>
        {
            Assert.Equal("viatique", t.Labels["app.kubernetes.io/name"]);
            Assert.Equal("viatique-" + t.Labels["app.kubernetes.io/component"], t.Name);
        });
    }
}
