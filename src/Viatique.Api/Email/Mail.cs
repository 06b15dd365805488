using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Viatique.Api.Settings;

namespace Viatique.Api.Email;

public sealed record OutgoingMail(string To, string Subject, string Body);

/// <summary>How a mail leaves the host; only jobs call it (a worker, retried with backoff), never a request.</summary>
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
        return builder;
    }
}
