using Viatique.Api.Settings;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests;

/// <summary>The media sidecar's nginx.conf says for /media/ what the single host's nginx says (SPEC §10, §12).</summary>
public class MediaSidecarConfigurationTests
{
    [Fact]
    public void SendsTheSingleHostsSecurityHeadersForMediaWithTheSameValues()
    {
        var expected = NginxConfiguration.SingleHostMediaHeaders();

        Assert.Equal(expected.OrderBy(h => h.Key), NginxConfiguration.AddHeaders(NginxConfiguration.Sidecar).OrderBy(h => h.Key));
        Assert.Equal("nosniff", expected["X-Content-Type-Options"]);
        Assert.Contains("sandbox", expected["Content-Security-Policy"], StringComparison.Ordinal);
    }

    /// <summary>
    /// The sidecar's HSTS header is written out in media-nginx.conf; the host's comes from the
    /// ConfigMap's SECURE_HSTS_*. One origin, one policy: a change to either must reach the other.
    /// </summary>
    [Fact]
    public void SendsTheHstsPolicyTheConfigMapGivesTheHost()
    {
        var settings = SettingsReader.Read(Overlay.Production.Config.Data
            .Where(e => e.Key.StartsWith("SECURE_HSTS_", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value));
        Assert.True(settings.HstsSeconds > 0, "the ConfigMap turns HSTS off");
        // As ASP.NET Core's HSTS middleware writes it for those settings.
        var host = $"max-age={settings.HstsSeconds}{(settings.HstsIncludeSubdomains ? "; includeSubDomains" : "")}{(settings.HstsPreload ? "; preload" : "")}";

        Assert.Equal(host, NginxConfiguration.AddHeaders(NginxConfiguration.Sidecar)["Strict-Transport-Security"]);
    }

    [Fact]
    public void NamesTheSameFewPlainTypesAndServesEverythingElseAsBytes()
    {
        var singleHost = NginxConfiguration.MediaTypes(File.ReadAllText(Path.Combine(Manifests.RepoRoot, "nginx", "templates", "viatique.conf.template")));
        var sidecar = NginxConfiguration.MediaTypes(NginxConfiguration.Sidecar);

        Assert.Equal(singleHost.Types.OrderBy(t => t.Key), sidecar.Types.OrderBy(t => t.Key));
        Assert.Equal("application/octet-stream", sidecar.Default);
        Assert.Equal(singleHost.Default, sidecar.Default);
        Assert.DoesNotContain(sidecar.Types.Values, t => t.Contains("html", StringComparison.Ordinal) || t.Contains("script", StringComparison.Ordinal) || t.Contains("svg", StringComparison.Ordinal));
    }

    [Fact]
    public void RunsNothingAndListsNothing()
    {
        var configuration = NginxConfiguration.Sidecar;

        // Nothing that hands a request to a program or another server, and no directory listing.
        Assert.All(new[] { "fastcgi_pass", "proxy_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "autoindex on", "ssi on", "perl", "js_content" },
            directive => Assert.DoesNotContain(directive, configuration, StringComparison.Ordinal));
        // Headers only at server level: an add_header in a location would drop every inherited one there.
        Assert.Single(configuration.Split("add_header X-Content-Type-Options", StringSplitOptions.None).Skip(1));
        Assert.Contains("server_tokens off;", configuration, StringComparison.Ordinal);
    }
}
