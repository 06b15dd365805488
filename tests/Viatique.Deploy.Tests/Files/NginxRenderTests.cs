using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Deploy.Tests.Files;

/// <summary>nginx/render.sh renders a configuration that `nginx -t` accepts, for any site.</summary>
public sealed class NginxRenderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("viatique-nginx-render-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    async Task<CommandResult> RenderAsync(Dictionary<string, string?> env) =>
        await Command.RunAsync(Repo.Path("nginx", "render.sh"), [Path.Combine(_dir, "conf")], TimeSpan.FromSeconds(30), env);

    [Fact]
    public async Task The_rendered_configuration_passes_nginx_t_for_any_domain_upstream_certificate_and_paths()
    {
        (await Command.RunAsync("openssl", ["req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "1", "-subj", "/CN=shop.example.org",
            "-keyout", Path.Combine(_dir, "key.pem"), "-out", Path.Combine(_dir, "cert.pem")], TimeSpan.FromSeconds(30))).Check();
        var rendered = await RenderAsync(new()
        {
            ["DOMAIN"] = "shop.example.org",
            ["UPSTREAM"] = "127.0.0.1:18000",
            ["SSL_CERTIFICATE"] = Path.Combine(_dir, "cert.pem"),
            ["SSL_CERTIFICATE_KEY"] = Path.Combine(_dir, "key.pem"),
            ["ACME_ROOT"] = Path.Combine(_dir, "acme"),
            ["STATIC_ROOT"] = Path.Combine(_dir, "static"),
            ["MEDIA_ROOT"] = Path.Combine(_dir, "media"),
            ["FRONTEND_ROOT"] = Path.Combine(_dir, "html"),
            ["HTTP_PORT"] = "18080",
            ["HTTPS_PORT"] = "18443",
        });
        rendered.Check();
        var conf = File.ReadAllText(Path.Combine(_dir, "conf", "viatique.conf"));
        Assert.Contains("server_name shop.example.org;", conf, StringComparison.Ordinal);
        Assert.Contains($"ssl_certificate {Path.Combine(_dir, "cert.pem")};", conf, StringComparison.Ordinal);
        Assert.DoesNotContain("${", conf, StringComparison.Ordinal);
        // nginx's own variables survive the substitution.
        Assert.Contains("return 301 https://$host$request_uri;", conf, StringComparison.Ordinal);
        Assert.Contains("set $viatique_upstream 127.0.0.1:18000;", File.ReadAllText(Path.Combine(_dir, "conf", "snippets", "proxy.conf")), StringComparison.Ordinal);

        var main = Path.Combine(_dir, "nginx.conf");
        File.WriteAllText(main, $$"""
            pid {{_dir}}/nginx.pid;
            error_log stderr;
            events {}
            http {
                include /etc/nginx/mime.types;
                include {{_dir}}/conf/viatique.conf;
            }
            """);
        var test = await Command.RunAsync(NginxBinary(), ["-t", "-c", main], TimeSpan.FromSeconds(30));
        Assert.True(test.Ok, test.Error);
        Assert.Contains("syntax is ok", test.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "DOMAIN is not set")]
    [InlineData("bad domain;", "is not a host name")]
    public async Task A_missing_or_malformed_domain_is_refused_with_a_message(string domain, string message)
    {
        var result = await RenderAsync(new() { ["DOMAIN"] = domain });
        Assert.Equal(64, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "conf", "viatique.conf")));
    }

    static string NginxBinary() => File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
}
