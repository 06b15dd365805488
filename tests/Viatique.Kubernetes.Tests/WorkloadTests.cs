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

    static V1Container Container(string deployment) =>
        Assert.Single(Overlay.Single<V1Deployment>(deployment).Spec.Template.Spec.Containers);

    [Fact]
    public void EveryContainerRunsTheOneImageTheOverlayNames()
    {
        var kustomization = Manifests.ParseFile(Path.Combine(Manifests.Production, "kustomization.yaml")).OfType<Kustomization>().Single();
        var image = Assert.Single(kustomization.Images);
        var expected = $"{image.NewName}:{image.NewTag}";

        var containers = Overlay.Containers().ToList();

        Assert.Equal(4, containers.Count);
        Assert.All(containers, c => Assert.Equal(expected, c.Container.Image));
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
        var preStop = Assert.Single(pod.Containers).Lifecycle.PreStop.Sleep.Seconds;

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
    public void TheServiceReachesTheWebPodsOnTheirNamedPort()
    {
        var service = Overlay.Single<V1Service>("viatique-web");
        var web = Overlay.Single<V1Deployment>("viatique-web");

        Assert.Equal(web.Spec.Selector.MatchLabels, service.Spec.Selector);
        Assert.Equal(Assert.Single(Container("viatique-web").Ports).Name, Assert.Single(service.Spec.Ports).TargetPort.Value);
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
