using k8s.Models;
using Viatique.Api.Hosting;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests;

/// <summary>Who reaches the pods, what they reach, and how the Gateway brings HTTPS to them.</summary>
public class NetworkTests
{
    /// <summary>DNS, PostgreSQL, Redis and SMTP (submission and implicit TLS): nothing else leaves a pod.</summary>
    static readonly (string Protocol, int Port)[] AllowedEgress =
        [("UDP", 53), ("TCP", 53), ("TCP", 5432), ("TCP", 6379), ("TCP", 587), ("TCP", 465)];

    static Overlay Overlay => Overlay.Production;

    static bool Selects(V1LabelSelector selector, IDictionary<string, string> labels) =>
        selector.MatchExpressions is null && selector.MatchLabels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value);

    [Fact]
    public void EveryPodIsUnderADefaultPolicyThatLetsNothingInAndOnlyItsDependenciesOut()
    {
        var policy = Overlay.Single<V1NetworkPolicy>("viatique-default");

        Assert.All(Overlay.PodSpecs(), p => Assert.True(Selects(policy.Spec.PodSelector, PodLabels(p.Name)), p.Name));
        Assert.Equal(["Egress", "Ingress"], policy.Spec.PolicyTypes.Order());
        Assert.Empty(policy.Spec.Ingress);
        var egress = policy.Spec.Egress.SelectMany(rule =>
        {
            Assert.NotEmpty(rule.Ports);
            return rule.Ports.Select(p => (p.Protocol, int.Parse(p.Port.Value, System.Globalization.CultureInfo.InvariantCulture)));
        });
        Assert.Equal(AllowedEgress.Order(), egress.Order());
    }

    [Fact]
    public void OnlyTheGatewaysPodsReachTheWebPodsAndOnlyOnTheHostsAndTheMediaSidecarsPorts()
    {
        var policy = Overlay.Single<V1NetworkPolicy>("viatique-web");
        var gateway = Overlay.Single<Gateway>("viatique");

        Assert.True(Selects(policy.Spec.PodSelector, PodLabels("viatique-web")));
        Assert.False(Selects(policy.Spec.PodSelector, PodLabels("viatique-worker")));
        var rule = Assert.Single(policy.Spec.Ingress);
        var peer = Assert.Single(rule.FromProperty);
        Assert.Equal(gateway.Metadata.Name, peer.PodSelector.MatchLabels["gateway.networking.k8s.io/gateway-name"]);
        Assert.Null(peer.IpBlock);
        var web = Assert.Single(Overlay.Container("viatique-web", "web").Ports).Name;
        var media = Assert.Single(Overlay.Container("viatique-web", Overlay.MediaSidecar).Ports).Name;
        Assert.Equal(new[] { web, media }.Order(), rule.Ports.Select(p => p.Port.Value).Order());
        Assert.All(rule.Ports, p => Assert.Equal("TCP", p.Protocol));
    }

    [Fact]
    public void TheGatewayServesHttpsWithTheCertificateCertManagerIssues()
    {
        var gateway = Overlay.Single<Gateway>("viatique");
        var certificate = Overlay.Single<Certificate>("viatique-tls");
        var https = Assert.Single(gateway.Spec.Listeners, l => l.Protocol == "HTTPS");

        Assert.Equal(443, https.Port);
        Assert.Equal("Terminate", https.Tls!.Mode);
        Assert.Equal(certificate.Spec.SecretName, Assert.Single(https.Tls.CertificateRefs).Name);
        Assert.Equal([https.Hostname!], certificate.Spec.DnsNames);
        Assert.Equal("ClusterIssuer", certificate.Spec.IssuerRef.Kind);
    }

    /// <summary>The container port a Service port of viatique-web leads to (by the port's targetPort name).</summary>
    static (string Container, string Port) Target(HttpBackendRef backend)
    {
        var service = Overlay.Single<V1Service>(backend.Name);
        var port = Assert.Single(service.Spec.Ports, p => p.Port == backend.Port);
        var pod = Overlay.Single<V1Deployment>(backend.Name).Spec.Template.Spec;
        var container = Assert.Single(pod.Containers, c => (c.Ports ?? []).Any(p => p.Name == port.TargetPort.Value));
        return (container.Name, port.TargetPort.Value);
    }

    [Fact]
    public void TheWebRouteSendsThePublicPathsToTheHostAndNeverMetrics()
    {
        var route = Overlay.Single<HttpRoute>("viatique-web");
        var rule = Assert.Single(route.Spec.Rules, r => r.Matches.Any(m => m.Path!.Value == "/api/"));
        var backend = Assert.Single(rule.BackendRefs);
        var paths = route.Spec.Rules.SelectMany(r => r.Matches).Select(m => m.Path!.Value).ToList();

        Assert.Equal("https", Assert.Single(route.Spec.ParentRefs).SectionName);
        Assert.Equal(("web", "http"), Target(backend));
        Assert.Equal(["/admin/", "/api/", "/health/"], rule.Matches.Select(m => m.Path!.Value).Order());
        Assert.Contains("/health/", paths);
        Assert.DoesNotContain(paths, p => "/metrics".StartsWith(p, StringComparison.Ordinal));
        Assert.Equal(["https"], Overlay.Config.Data["CSRF_TRUSTED_ORIGINS"].Split(',').Select(o => new Uri(o).Scheme).Distinct());
        Assert.All(route.Spec.Hostnames, h => Assert.Contains(h, Overlay.Config.Data["ALLOWED_HOSTS"].Split(',')));
    }

    [Fact]
    public void TheWebRouteSendsUserUploadsToTheMediaSidecarOnly()
    {
        var route = Overlay.Single<HttpRoute>("viatique-web");
        var rule = Assert.Single(route.Spec.Rules, r => r.Matches.Any(m => m.Path!.Value == "/media/"));
        var match = Assert.Single(rule.Matches);

        Assert.Equal("PathPrefix", match.Path!.Type);
        Assert.Null(match.Method);
        Assert.Empty(rule.Filters);
        Assert.Equal(("media", "media"), Target(Assert.Single(rule.BackendRefs)));
        // The sidecar listens where its port says (media-nginx.conf), and serves /media/ from the claim it mounts.
        var sidecar = Overlay.Container("viatique-web", Overlay.MediaSidecar);
        var configuration = Overlay.Generated("viatique-media-nginx").Data["nginx.conf"];
        Assert.Contains($"listen {Assert.Single(sidecar.Ports).ContainerPort} ", configuration, StringComparison.Ordinal);
        var claim = Assert.Single(sidecar.VolumeMounts, m => m.Name == "media");
        Assert.Contains($"alias {claim.MountPath}/;", configuration, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainHttpIsRedirectedToHttps()
    {
        var route = Overlay.Single<HttpRoute>("viatique-redirect");
        var redirect = Assert.Single(Assert.Single(route.Spec.Rules).Filters).RequestRedirect!;

        Assert.Equal("http", Assert.Single(route.Spec.ParentRefs).SectionName);
        Assert.Equal("https", redirect.Scheme);
        Assert.Equal(301, redirect.StatusCode);
    }

    [Fact]
    public void TheGatewayKeepsNginxsBodyLimitAndTimeouts()
    {
        var policy = Overlay.Single<ClientSettingsPolicy>("viatique");
        var route = Overlay.Single<HttpRoute>("viatique-web");
        var maxSize = policy.Spec.Body!.MaxSize!;

        Assert.Equal(("Gateway", "viatique"), (policy.Spec.TargetRef.Kind, policy.Spec.TargetRef.Name));
        Assert.EndsWith("m", maxSize, StringComparison.Ordinal);
        Assert.Equal(HttpPipeline.MaxRequestBodyBytes, long.Parse(maxSize[..^1], System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024);
        Assert.Equal("60s", policy.Spec.Body.Timeout);
        // The host cuts a request at 30 s (504); the route's bound only catches a connection that hangs.
        Assert.Equal("60s", Assert.Single(route.Spec.Rules, r => r.Matches.Any(m => m.Path!.Value == "/api/")).Timeouts!.Request);
        // A download's length is the client's: nginx's own send_timeout bounds a stalled one, not the route.
        Assert.Null(Assert.Single(route.Spec.Rules, r => r.Matches.Any(m => m.Path!.Value == "/media/")).Timeouts);
    }

    static IDictionary<string, string> PodLabels(string workload) =>
        Overlay.OfType<V1Deployment>().Where(d => d.Metadata.Name == workload).Select(d => d.Spec.Template.Metadata.Labels)
            .Concat(Overlay.OfType<V1Job>().Where(j => j.Metadata.Name == workload).Select(j => j.Spec.Template.Metadata.Labels))
            .Single();
}
