using Hangfire;
using Viatique.Api.Email;

namespace Viatique.Api.Jobs;

/// <summary>
/// Every mail leaves through this job, so it survives a restart of the process that asked for it
/// and is retried with backoff while the SMTP server is away (about two hours in all).
/// </summary>
public sealed class MailJob(IMailSender sender)
{
    public static string Enqueue(IBackgroundJobClient jobs, OutgoingMail mail) => jobs.Enqueue<MailJob>(job => job.SendAsync(mail, CancellationToken.None));

    // Backoff in seconds: quick at first (a restarting SMTP relay), then sparse.
    [AutomaticRetry(Attempts = 10, DelaysInSeconds = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Send e-mail: {0}")]
    public Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken) => sender.SendAsync(mail, cancellationToken);
}
