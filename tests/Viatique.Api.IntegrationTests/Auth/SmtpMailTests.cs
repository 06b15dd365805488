using System.Net;
using System.Text.RegularExpressions;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Auth;

/// <summary>
/// A reset mail leaves through SMTP (MailKit) and reaches a real SMTP server: Python's standard
/// smtpd, which prints what it receives. Staging, because Production rightly demands TLS.
/// The mail is a job: serve enqueues it, a worker sends it.
/// </summary>
public partial class SmtpMailTests(PostgresServer postgres, RedisServer redis)
{
    [Fact]
    public async Task ResetMailIsDeliveredOverSmtpAndItsTokenWorks()
    {
        var port = Ports.Free();
        using var smtp = new ServerProcess("/usr/bin/python3", ["-u", "-W", "ignore", "-m", "smtpd", "-n", "-c", "DebuggingServer", $"127.0.0.1:{port}"]);
        await Ports.WaitUntilAcceptingAsync(port, TimeSpan.FromSeconds(15), () => smtp.HasExited);

        var db = await AccountsDatabase.CreateAsync(postgres, redis, "smtp", ("CELERY_BROKER_URL", redis.Url(11)));
        await db.CreateUserAsync("jane");
        await using var app = db.Start(
            ("ASPNETCORE_ENVIRONMENT", "Staging"),
            ("EMAIL_HOST", "127.0.0.1"), ("EMAIL_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("EMAIL_USE_TLS", "false"), ("DEFAULT_FROM_EMAIL", "noreply@viatique.example.com"));
        await using var worker = JobRoles.Start(new Dictionary<string, string>(db.Env)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Staging", ["EMAIL_HOST"] = "127.0.0.1", ["EMAIL_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EMAIL_USE_TLS"] = "false", ["DEFAULT_FROM_EMAIL"] = "noreply@viatique.example.com",
        }, "worker");
        await app.WaitUntilListeningAsync();
        using var browser = new BrowserClient(app);
        await browser.FetchCsrfAsync();

        using (var request = await browser.PostJsonAsync("/api/auth/password-reset/", new { email = "jane@example.com" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, request.StatusCode);
        }
        await Eventually.TrueAsync(() => smtp.Output.Contains("END MESSAGE", StringComparison.Ordinal), seconds: 20);

        var mail = Received(smtp.Output);
        Assert.Equal("Password reset", mail.Subject);
        Assert.Equal("noreply@viatique.example.com", mail.From.Mailboxes.Single().Address);
        Assert.Equal("jane@example.com", mail.To.Mailboxes.Single().Address);
        Assert.Contains("https://viatique.example.com/password-reset/confirm#token=", mail.TextBody);
        // Staging never writes a mail's body to its own log.
        Assert.DoesNotContain("Token: ", app.Stdout);
        Assert.DoesNotContain("Token: ", worker.Stdout);

        var token = TokenLine().Match(mail.TextBody ?? "").Groups[1].Value;
        using var confirm = await browser.PostJsonAsync("/api/auth/password-reset/confirm/", new { token, password = "smtp-delivered-Passw0rd" });
        Assert.Equal(HttpStatusCode.NoContent, confirm.StatusCode);
    }

    /// <summary>The message as smtpd's DebuggingServer prints it (one Python bytes literal a line), parsed by MimeKit.</summary>
    static MimeKit.MimeMessage Received(string output)
    {
        var lines = output.Split('\n')
            .SkipWhile(l => !l.Contains("MESSAGE FOLLOWS", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => !l.Contains("END MESSAGE", StringComparison.Ordinal))
            .Select(l => l.Trim() is ['b', '\'' or '"', .. var inner, '\'' or '"'] ? inner : l);
        using var raw = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(string.Join("\r\n", lines) + "\r\n"));
        return MimeKit.MimeMessage.Load(raw);
    }

    [GeneratedRegex(@"Token: (\S+)")]
    private static partial Regex TokenLine();
}
