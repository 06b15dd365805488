using System.Threading.Channels;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Viatique.Api.Settings;

namespace Viatique.Api.Email;

public sealed record OutgoingMail(string To, string Subject, string Body);

/// <summary>The one way mail leaves the host; the background jobs use the same interface.</summary>
public interface IMailSender
{
    Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken);
}

/// <summary>Development without SMTP: the whole mail goes to the log, so links can be followed.</summary>
public sealed partial class LogMailSender(ILoggerFactory loggers) : IMailSender
{
    readonly ILogger _logger = loggers.CreateLogger("viatique.mail");

    public Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        Written(_logger, mail.To, mail.Subject, mail.Body);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail to {to}: {subject}\n{body}")]
    static partial void Written(ILogger logger, string to, string subject, string body);
}

/// <summary>Staging/Production without EMAIL_HOST: nothing is sent, and the log says so (without the body).</summary>
public sealed partial class DisabledMailSender(ILoggerFactory loggers) : IMailSender
{
    readonly ILogger _logger = loggers.CreateLogger("viatique.mail");

    public Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        NotSent(_logger, mail.To, mail.Subject);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "E-mail to {to} ({subject}) not sent: EMAIL_HOST is not set")]
    static partial void NotSent(ILogger logger, string to, string subject);
}

/// <summary>SMTP through MailKit: STARTTLS (or TLS on 465) when EMAIL_USE_TLS, authenticated when a user is set.</summary>
public sealed class SmtpMailSender(ViatiqueSettings settings) : IMailSender
{
    public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.DefaultFromEmail));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Subject = mail.Subject;
        message.Body = new TextPart("plain") { Text = mail.Body };

        using var smtp = new SmtpClient { Timeout = 30_000 };
        var security = !settings.EmailUseTls ? SecureSocketOptions.None
            : settings.EmailPort == 465 ? SecureSocketOptions.SslOnConnect
            : SecureSocketOptions.StartTls;
        await smtp.ConnectAsync(settings.EmailHost!, settings.EmailPort, security, cancellationToken);
        if (settings.EmailHostUser is { } user)
        {
            await smtp.AuthenticateAsync(user, settings.EmailHostPassword ?? "", cancellationToken);
        }
        await smtp.SendAsync(message, cancellationToken);
        await smtp.DisconnectAsync(quit: true, cancellationToken);
    }
}

/// <summary>
/// Mail is queued and sent in the background (retried three times), so a request never waits
/// on SMTP and its timing reveals nothing. The jobs feature replaces this queue with Hangfire.
/// </summary>
public sealed partial class MailQueue(IMailSender sender, ILoggerFactory loggers) : BackgroundService
{
    readonly Channel<OutgoingMail> _queue = Channel.CreateBounded<OutgoingMail>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
    readonly ILogger _logger = loggers.CreateLogger("viatique.mail");

    public bool Enqueue(OutgoingMail mail) => _queue.Writer.TryWrite(mail);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SendAllAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; mails still queued are lost with the process until the jobs feature
            // moves this queue to Redis.
        }
    }

    async Task SendAllAsync(CancellationToken stoppingToken)
    {
        await foreach (var mail in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await sender.SendAsync(mail, stoppingToken);
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException && attempt < 3)
                {
                    Retrying(_logger, mail.Subject, attempt, e.GetType().Name);
                    await Task.Delay(TimeSpan.FromSeconds(attempt * 5), stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    GaveUp(_logger, e, mail.Subject);
                    break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending e-mail '{subject}' failed (attempt {attempt}, {error}); retrying")]
    static partial void Retrying(ILogger logger, string subject, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up sending e-mail '{subject}'")]
    static partial void GaveUp(ILogger logger, Exception exception, string subject);
}

public static class MailExtensions
{
    // Reads EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL.
    public static IHostApplicationBuilder AddViatiqueMail(this IHostApplicationBuilder builder, ViatiqueSettings settings)
    {
        if (settings.EmailHost is not null)
        {
            builder.Services.AddSingleton<IMailSender, SmtpMailSender>();
        }
        else if (settings.IsDevelopment)
        {
            builder.Services.AddSingleton<IMailSender, LogMailSender>();
        }
        else
        {
            builder.Services.AddSingleton<IMailSender, DisabledMailSender>();
        }
        builder.Services.AddSingleton<MailQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MailQueue>());
        return builder;
    }
}
