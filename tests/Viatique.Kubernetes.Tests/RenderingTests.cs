using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests;

public class RenderingTests
{
    static readonly string[] Expected =
    [
        "Namespace/viatique", "ServiceAccount/viatique", "ConfigMap/viatique-config", "PersistentVolumeClaim/viatique-media",
        "Job/viatique-migrate", "Deployment/viatique-web", "Service/viatique-web", "PodDisruptionBudget/viatique-web",
        "NetworkPolicy/viatique-web", "Deployment/viatique-worker", "PodDisruptionBudget/viatique-worker",
        "Deployment/viatique-scheduler", "NetworkPolicy/viatique-default", "Gateway/viatique", "Certificate/viatique-tls",
        "HTTPRoute/viatique-web", "HTTPRoute/viatique-redirect", "ClientSettingsPolicy/viatique",
        "HorizontalPodAutoscaler/viatique-web", "ConfigMap/viatique-media-nginx-<hash>",
    ];

    const string MediaNginx = "viatique-media-nginx";

    /// <summary>Kind/name; a generated ConfigMap's content hash is written &lt;hash&gt;.</summary>
    static string Key(object o) => o switch
    {
        V1ConfigMap c when Overlay.IsGenerated(c.Metadata.Name, MediaNginx) => $"ConfigMap/{MediaNginx}-<hash>",
        IKubernetesObject<V1ObjectMeta> k => $"{k.Kind}/{k.Metadata.Name}",
        _ => o.GetType().Name,
    };

    /// <summary>JSON with map keys sorted: kustomize and the test's renderer order keys differently.</summary>
    static string Canonical(object o) => Sorted(JsonNode.Parse(KubernetesJson.Serialize(o)))?.ToJsonString() ?? "null";

    static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject map => new JsonObject(map.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray list => new JsonArray(list.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    [Fact]
    public void RendersTheProductionOverlayIntoTheExpectedObjects()
    {
        var overlay = Overlay.Production;
        TestContext.Current.SendDiagnosticMessage($"production overlay rendered by {overlay.Renderer}");

        Assert.Equal(Expected.Order(), overlay.Objects.Select(Key).Order());
        Assert.All(overlay.Objects.OfType<IKubernetesObject<V1ObjectMeta>>().Where(o => o.Kind != "Namespace"),
            o => Assert.Equal("viatique", o.Metadata.NamespaceProperty));
    }

    [Fact]
    public void TheTestsOwnRendererAgreesWithKustomizeWhereKubectlExists()
    {
        var own = Manifests.Parse(OwnRenderer.Render(Manifests.Production));
        Assert.Equal(Expected.Order(), own.Select(Key).Order());
        if (Kubectl.Path is not { } kubectl)
        {
            Console.Error.WriteLine("Viatique.Kubernetes.Tests: kubectl is not on PATH; the tests' own renderer was checked " +
                "for the expected objects only, not against kustomize.");
            return;
        }
        var kustomize = Manifests.Parse(Kubectl.Kustomize(kubectl, Manifests.Production));
        foreach (var expected in kustomize)
        {
            // The whole object, so the generated ConfigMap's hashed name and the Deployment's reference to it too.
            var mine = own.Single(o => Key(o) == Key(expected));
            Assert.Equal(Canonical(expected), Canonical(mine));
        }
    }

    /// <summary>Names kubectl kustomize (v5.5) gave to ConfigMaps generated from these contents.</summary>
    [Theory]
    [InlineData("a", "b", "4h2mbtbbt6")]
    [InlineData("nginx.conf", "abc\n", "k4cmtbhb9t")]
    [InlineData("nginx.conf", "a <b> & \"c\"\n\tx\n", "8m555fd826")]
    public void TheOwnRendererHashesGeneratedConfigMapsAsKustomizeDoes(string key, string content, string hash) =>
        Assert.Equal(hash, OwnRenderer.KustomizeHash(new Dictionary<object, object?> { [key] = content }));

    [Fact]
    public void TheMediaSidecarsConfigurationIsGeneratedFromItsFileAndTheWebPodMountsIt()
    {
        var generated = Overlay.Production.Generated(MediaNginx);
        var web = Overlay.Production.Single<V1Deployment>("viatique-web").Spec.Template.Spec;

        Assert.Equal(File.ReadAllText(Path.Combine(Manifests.Base, "media-nginx.conf")), Assert.Single(generated.Data).Value);
        Assert.Equal(generated.Metadata.Name, Assert.Single(web.Volumes, v => v.ConfigMap is not null).ConfigMap.Name);
    }
}
