using System.Text;
using Hangfire;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Viatique.Api.Data;
using Viatique.Api.Email;
using Viatique.Api.Settings;

namespace Viatique.Api.Auth;

/// <summary>
/// Reset tokens are Identity's data-protection tokens (signed through the SECRET_KEY-protected
/// key ring, expiring after PASSWORD_RESET_TIMEOUT, bound to the user's security stamp so they
/// stop working once the password changed), prefixed with the user id.
/// </summary>
public static class PasswordResetToken
{
    public static string Encode(string userId, string token) =>
        WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(userId)) + "." + WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token));

    public static bool TryDecode(string? value, out string userId, out string token)
    {
        userId = token = "";
        var dot = value?.IndexOf('.') ?? -1;
        if (dot <= 0)
        {
            return false;
        }
        try
        {
            userId = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(value![..dot]));
            token = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(value[(dot + 1)..]));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>
/// The last reset mail sent to a user: at most one every <see cref="PasswordResetJob.MailInterval"/>.
/// The security stamp it was sent under tells the purge when its token was used.
/// </summary>
public sealed class PasswordResetMail
{
    public required string UserId { get; init; }
    /// <summary>UTC; DateTime so SQLite compares it in SQL too.</summary>
    public DateTime SentAt { get; set; }
    public string? SecurityStamp { get; set; }
}

/// <summary>
/// A reset request, handled by a worker: the endpoint answers 202 at once whether or not the
/// address exists (its timing tells nothing), and the request outlives a restart of <c>serve</c>.
/// The job itself sends the mail, so the token never rests in the job storage (nor shows on the
/// dashboard); while SMTP is down the job fails, gives its five-minute slot back, and is retried.
/// </summary>
public sealed class PasswordResetJob(UserManager<IdentityUser> users, ViatiqueDbContext db, IMailSender mail, ViatiqueSettings settings, TimeProvider clock)
{
    public static readonly TimeSpan MailInterval = TimeSpan.FromMinutes(5);

    /// <summary>SPEC §6 and RFC 5321: an address is at most 254 characters.</summary>
    public const int MaxEmailLength = 254;

    /// <summary>The endpoint's check: short enough, and no control character (a NUL byte included).</summary>
    public static bool IsAcceptableEmail(string email) =>
        email.Length is > 0 and <= MaxEmailLength && !email.Any(char.IsControl) && email.Contains('@');

    public static string Enqueue(IBackgroundJobClient jobs, string email) => jobs.Enqueue<PasswordResetJob>(job => job.RequestAsync(email, CancellationToken.None));

    // Backoff in seconds: quick at first (a restarting SMTP relay or database), then sparse; about two hours in all.
    [AutomaticRetry(Attempts = 10, DelaysInSeconds = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Password reset request")]
    public async Task RequestAsync(string email, CancellationToken cancellationToken)
    {
        if (await users.FindByEmailAsync(email) is not { } user)
        {
            return;
        }
        var token = PasswordResetToken.Encode(user.Id, await users.GeneratePasswordResetTokenAsync(user));
        if (!await ClaimMailSlotAsync(user))
        {
            return;
        }
        // The token rides in the fragment: browsers never send it, so no proxy or access log sees it.
        var link = settings.CsrfTrustedOrigins.FirstOrDefault() is { } origin ? $"{origin.TrimEnd('/')}/password-reset/confirm#token={token}\n\n" : "";
        try
        {
            await mail.SendAsync(new OutgoingMail(user.Email!, "Password reset",
                $"Someone asked to reset the password of {user.UserName}.\n\n{link}Token: {token}\n\n" +
                $"It works once, for {settings.PasswordResetTimeout.TotalHours:0.#} hours. If you did not ask, ignore this e-mail."), cancellationToken);
        }
        catch
        {
            // Not sent: the retry must find the slot free again.
            await db.PasswordResetMails.Where(m => m.UserId == user.Id).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// True when no mail went to this user in the last five minutes, recording this one. One
    /// statement, atomic across workers (PostgreSQL and SQLite share the syntax): a new row, or an
    /// old one renewed; a row younger than five minutes is left alone and nothing is affected.
    /// </summary>
    async Task<bool> ClaimMailSlotAsync(IdentityUser user)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = now - MailInterval;
        var claimed = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO password_reset_mails ("UserId", "SentAt", "SecurityStamp") VALUES ({user.Id}, {now}, {user.SecurityStamp})
            ON CONFLICT ("UserId") DO UPDATE SET "SentAt" = excluded."SentAt", "SecurityStamp" = excluded."SecurityStamp"
            WHERE password_reset_mails."SentAt" <= {due}
            """);
        return claimed == 1;
    }
}
