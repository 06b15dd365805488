using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Deploy.Tests.Stack;

/// <summary>The worker and scheduler containers of the production stack.</summary>
[Collection(ProductionStackCollection.Name)]
public sealed class BackgroundRoleTests(ProductionStack production)
{
    ComposeStack Stack => production.Stack;

    [Theory]
    [InlineData("worker")]
    [InlineData("scheduler")]
    public async Task Background_roles_wait_for_the_schema_instead_of_migrating_and_are_healthy(string service)
    {
        var logs = await Stack.LogsAsync(service);
        Assert.Contains("waiting for the database schema to be current", logs, StringComparison.Ordinal);
        Assert.Contains("schema is current", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("Applied migration", logs, StringComparison.Ordinal);
        var container = Assert.Single(await Stack.ContainersAsync(service));
        Assert.Equal("healthy", await ComposeStack.HealthAsync(container));
        var probe = await Command.DockerAsync("inspect", "--format", "{{json .Config.Healthcheck.Test}}", container);
        Assert.Contains($"\"--role\",\"{service}\"", probe, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_reset_mail_is_sent_by_the_worker_container()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = "mailuser" + Guid.NewGuid().ToString("N")[..6];
        (await Stack.ComposeAsync("exec", "-T", "-e", "VIATIQUE_SUPERUSER_PASSWORD=" + Guid.NewGuid().ToString("N"), "backend",
            "/app/Viatique.Api", "createsuperuser", "--username", user, "--email", $"{user}@example.com")).Check();

        using var client = Stack.CreateClient(new CookieContainer());
        using var csrf = await client.GetAsync("/api/auth/csrf/", ct);
        var token = (await csrf.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("csrfToken").GetString()!;
        using var reset = new HttpRequestMessage(HttpMethod.Post, "/api/auth/password-reset/") { Content = JsonContent.Create(new { email = $"{user}@example.com" }) };
        reset.Headers.Add("X-CSRFToken", token);
        reset.Headers.Add("Origin", $"https://{Stack.Domain}");
        using var accepted = await client.SendAsync(reset, ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var worker = Assert.Single(await Stack.ContainersAsync("worker"));
        var workerAddress = await Command.DockerAsync("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", worker);
        string mail = "";
        for (var i = 0; i < 60 && !mail.Contains($"{user}@example.com", StringComparison.Ordinal); i++)
        {
            await Task.Delay(1000, ct);
            mail = await Stack.LogsAsync("smtp");
        }
        Assert.Contains($"{user}@example.com", mail, StringComparison.Ordinal);
        Assert.Contains("Password reset", mail, StringComparison.Ordinal);
        // smtpd records the sender's address: the worker container, not the backend that enqueued it.
        Assert.Contains($"X-Peer: {workerAddress}", mail, StringComparison.Ordinal);
    }
}
