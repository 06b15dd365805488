using k8s;
using k8s.Models;

namespace Viatique.Kubernetes.Tests.Infrastructure;

// KubernetesClient models the built-in kinds only. The few custom resources the overlay uses get
// models of their own here, transcribed field by field from their published API references
// (Gateway API v1, cert-manager v1, NGINX Gateway Fabric v1alpha1, kustomize v1beta1) and limited
// to the fields these manifests may use: the strict reader then refuses any other, or a misspelt one.

public abstract class CustomResource : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
}

public sealed class Gateway : CustomResource
{
    public GatewaySpec Spec { get; set; } = new();
}

public sealed class GatewaySpec
{
    public string GatewayClassName { get; set; } = "";
    public List<Listener> Listeners { get; set; } = [];
}

public sealed class Listener
{
    public string Name { get; set; } = "";
    public string? Hostname { get; set; }
    public int Port { get; set; }
    public string Protocol { get; set; } = "";
    public GatewayTlsConfig? Tls { get; set; }
    public AllowedRoutes? AllowedRoutes { get; set; }
}

public sealed class GatewayTlsConfig
{
    public string? Mode { get; set; }
    public List<ObjectReference> CertificateRefs { get; set; } = [];
}

public sealed class AllowedRoutes
{
    public RouteNamespaces? Namespaces { get; set; }
}

public sealed class RouteNamespaces
{
    public string? From { get; set; }
}

public sealed class ObjectReference
{
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public string Name { get; set; } = "";
    public string? Namespace { get; set; }
}

public sealed class HttpRoute : CustomResource
{
    public HttpRouteSpec Spec { get; set; } = new();
}

public sealed class HttpRouteSpec
{
    public List<ParentReference> ParentRefs { get; set; } = [];
    public List<string> Hostnames { get; set; } = [];
    public List<HttpRouteRule> Rules { get; set; } = [];
}

public sealed class ParentReference
{
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public string Name { get; set; } = "";
    public string? SectionName { get; set; }
    public int? Port { get; set; }
}

public sealed class HttpRouteRule
{
    public List<HttpRouteMatch> Matches { get; set; } = [];
    public List<HttpRouteFilter> Filters { get; set; } = [];
    public List<HttpBackendRef> BackendRefs { get; set; } = [];
    public HttpRouteTimeouts? Timeouts { get; set; }
}

public sealed class HttpRouteMatch
{
    public HttpPathMatch? Path { get; set; }
    public string? Method { get; set; }
}

public sealed class HttpPathMatch
{
    public string Type { get; set; } = "PathPrefix";
    public string Value { get; set; } = "/";
}

public sealed class HttpRouteFilter
{
    public string Type { get; set; } = "";
    public HttpRequestRedirectFilter? RequestRedirect { get; set; }
}

public sealed class HttpRequestRedirectFilter
{
    public string? Scheme { get; set; }
    public string? Hostname { get; set; }
    public int? Port { get; set; }
    public int? StatusCode { get; set; }
}

public sealed class HttpBackendRef
{
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public string Name { get; set; } = "";
    public string? Namespace { get; set; }
    public int? Port { get; set; }
    public int? Weight { get; set; }
}

public sealed class HttpRouteTimeouts
{
    public string? Request { get; set; }
    public string? BackendRequest { get; set; }
}

public sealed class Certificate : CustomResource
{
    public CertificateSpec Spec { get; set; } = new();
}

public sealed class CertificateSpec
{
    public string SecretName { get; set; } = "";
    public List<string> DnsNames { get; set; } = [];
    public ObjectReference IssuerRef { get; set; } = new();
    public CertificatePrivateKey? PrivateKey { get; set; }
    public string? Duration { get; set; }
    public string? RenewBefore { get; set; }
}

public sealed class CertificatePrivateKey
{
    public string? Algorithm { get; set; }
    public int? Size { get; set; }
    public string? RotationPolicy { get; set; }
    public string? Encoding { get; set; }
}

public sealed class ClientSettingsPolicy : CustomResource
{
    public ClientSettingsPolicySpec Spec { get; set; } = new();
}

public sealed class ClientSettingsPolicySpec
{
    public ObjectReference TargetRef { get; set; } = new();
    public ClientBody? Body { get; set; }
}

public sealed class ClientBody
{
    public string? MaxSize { get; set; }
    public string? Timeout { get; set; }
}

public sealed class Kustomization : CustomResource
{
    public string? Namespace { get; set; }
    public List<string> Resources { get; set; } = [];
    public List<KustomizeImage> Images { get; set; } = [];
    public List<KustomizeReplicas> Replicas { get; set; } = [];
    public List<KustomizePatch> Patches { get; set; } = [];
    public List<KustomizeConfigMapGenerator> ConfigMapGenerator { get; set; } = [];
}

public sealed class KustomizeConfigMapGenerator
{
    public string Name { get; set; } = "";
    /// <summary>"key=path" or "path" (the key is then the file's name), relative to the kustomization.</summary>
    public List<string> Files { get; set; } = [];
    public KustomizeGeneratorOptions? Options { get; set; }
}

public sealed class KustomizeGeneratorOptions
{
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed class KustomizeImage
{
    public string Name { get; set; } = "";
    public string? NewName { get; set; }
    public string? NewTag { get; set; }
}

public sealed class KustomizeReplicas
{
    public string Name { get; set; } = "";
    public int Count { get; set; }
}

public sealed class KustomizePatch
{
    public string Path { get; set; } = "";
}
