using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Viatique.Api.Data;
using System.Security.Claims;
using System.Security.Cryptography;

namespace Viatique.Api.Auth;

/// <summary>A server-side session, like Django's: the cookie carries only its (protected) key.</summary>
public sealed class UserSession
{
    public required string Key { get; init; }
    public required string UserId { get; init; }
    public required byte[] Ticket { get; set; }
    /// <summary>UTC; DateTime rather than DateTimeOffset so SQLite can compare it in SQL too.</summary>
    public DateTime CreatedAt { get; init; }
    public DateTime ExpiresAt { get; set; }
}

/// <summary>
/// Sessions in the database, so logout really ends a session, a password reset ends all of a
/// user's sessions, and every replica sees the same ones.
/// </summary>
public sealed class DatabaseTicketStore(IServiceScopeFactory scopes, TimeProvider clock) : ITicketStore
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(14);

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        db.Sessions.Add(new UserSession
        {
            Key = key,
            UserId = ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "",
            Ticket = TicketSerializer.Default.Serialize(ticket),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            ExpiresAt = ExpiryOf(ticket),
        });
        await db.SaveChangesAsync();
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        if (await db.Sessions.FindAsync(key) is { } session)
        {
            session.Ticket = TicketSerializer.Default.Serialize(ticket);
            session.ExpiresAt = ExpiryOf(ticket);
            await db.SaveChangesAsync();
        }
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        var session = await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.Key == key);
        return session is null || session.ExpiresAt <= clock.GetUtcNow().UtcDateTime ? null : TicketSerializer.Default.Deserialize(session.Ticket);
    }

    DateTime ExpiryOf(AuthenticationTicket ticket) => (ticket.Properties.ExpiresUtc ?? clock.GetUtcNow() + DefaultLifetime).UtcDateTime;

    public async Task RemoveAsync(string key)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        await db.Sessions.Where(s => s.Key == key).ExecuteDeleteAsync();
    }

    /// <summary>Ends every session of a user (after a password reset).</summary>
    public static Task<int> RemoveAllAsync(ViatiqueDbContext db, string userId) =>
        db.Sessions.Where(s => s.UserId == userId).ExecuteDeleteAsync();
}
