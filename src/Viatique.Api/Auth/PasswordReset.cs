using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
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
/// Reset requests are handled in the background: the endpoint answers 202 at once whether or not
/// the address exists, and its timing tells nothing either.
/// </summary>
public sealed class PasswordResetQueue(IServiceScopeFactory scopes, MailQueue mail, ViatiqueSettings settings) : BackgroundService
{
    readonly Channel<string> _requests = Channel.CreateBounded<string>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public void Enqueue(string email) => _requests.Writer.TryWrite(email);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await HandleAllAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    async Task HandleAllAsync(CancellationToken stoppingToken)
    {
        await foreach (var email in _requests.Reader.ReadAllAsync(stoppingToken))
        {
            await using var scope = scopes.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            if (await users.FindByEmailAsync(email) is not { } user)
            {
                continue;
            }
            var token = PasswordResetToken.Encode(user.Id, await users.GeneratePasswordResetTokenAsync(user));
            var link = settings.CsrfTrustedOrigins.FirstOrDefault() is { } origin ? $"{origin.TrimEnd('/')}/password-reset/confirm?token={token}\n\n" : "";
            mail.Enqueue(new OutgoingMail(user.Email!, "Password reset",
                $"Someone asked to reset the password of {user.UserName}.\n\n{link}Token: {token}\n\n" +
                $"It works once, for {settings.PasswordResetTimeout.TotalHours:0.#} hours. If you did not ask, ignore this e-mail."));
        }
    }
}
