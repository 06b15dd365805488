using System.Net;
using System.Text.Json;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Hosting;

/// <summary>The host behind a real nginx doing what the TLS server block does: Host, X-Forwarded-For, X-Forwarded-Proto.</summary>
public class BehindNginxTests
{
    [Fact]
    public async Task ClientIpAndSchemeComeFromNginxNotFromTheClient()
    {
        await using var app = AppProcess.Start(TestEnv.Production(("TRUSTED_PROXIES", "127.0.0.1")));
        await app.WaitUntilListeningAsync();
        await using var nginx = new NginxServer();
        await nginx.StartAsync($$"""
            server {
                listen 127.0.0.1:{port};
                server_tokens off;
                location / {
                    proxy_pass http://127.0.0.1:{{app.Port}};
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto https;
                }
            }
            """);
        using var http = new HttpClient { BaseAddress = nginx.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/whatever/");
        request.Headers.Host = "viatique.example.com";
        // A client trying to pass itself off as someone else.
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.66");

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("max-age=31536000; includeSubDomains; preload", response.Headers.GetValues("Strict-Transport-Security").Single());
        await Eventually.TrueAsync(() => app.StdoutLines.Any(l => l.Contains("\"path\":\"/api/whatever/\"", StringComparison.Ordinal)));
        var access = JsonDocument.Parse(app.StdoutLines.Single(l => l.Contains("\"path\":\"/api/whatever/\"", StringComparison.Ordinal))).RootElement;
        Assert.Equal("127.0.0.1", access.GetProperty("client_ip").GetString());
    }
}
