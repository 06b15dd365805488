using System.Collections.Concurrent;
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
/// user's sessions, and every replica sees the same ones. Each process keeps the sessions it read
/// for at most <see cref="MaxStaleness"/>, so an authenticated request costs no query on the hot
/// path: a session ended through this process (logout, password reset) is dropped at once, one
/// ended elsewhere (another replica, SQL) stops working here within <see cref="MaxStaleness"/>,
/// and what happens to the user (lockout, demotion, deletion) is <see cref="SessionValidator"/>'s.
/// </summary>
public sealed class DatabaseTicketStore(IServiceScopeFactory scopes, TimeProvider clock) : ITicketStore
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(14);
    public static readonly TimeSpan MaxStaleness = SessionValidator.MaxStaleness;
    const int MaxCachedSessions = 100_000;
    const int PruneAbove = 1_000;

    /// <summary>A session as read from the database; each request gets its own copy of the ticket.</summary>
    sealed record Known(AuthenticationTicket Ticket, string UserId, DateTime ExpiresAt, DateTimeOffset ReadAt);

    readonly ConcurrentDictionary<string, Known> _sessions = new(StringComparer.Ordinal);
    DateTimeOffset _prunedAt;

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        var session = new UserSession
        {
            Key = key,
            UserId = ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? "",
            Ticket = TicketSerializer.Default.Serialize(ticket),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            ExpiresAt = ExpiryOf(ticket),
        };
        db.Sessions.Add(session);
        await db.SaveChangesAsync();
        Remember(key, ticket, session.UserId, session.ExpiresAt);
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
            Remember(key, ticket, session.UserId, session.ExpiresAt);
        }
        else
        {
            _sessions.TryRemove(key, out _);
        }
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        var now = clock.GetUtcNow();
        if (_sessions.TryGetValue(key, out var known) && now - known.ReadAt < MaxStaleness)
        {
            return known.ExpiresAt <= now.UtcDateTime ? null : known.Ticket.Clone();
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        var session = await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.Key == key);
        if (session is null || session.ExpiresAt <= now.UtcDateTime || TicketSerializer.Default.Deserialize(session.Ticket) is not { } ticket)
        {
            _sessions.TryRemove(key, out _);
            return null;
        }
        Remember(key, ticket, session.UserId, session.ExpiresAt);
        return ticket.Clone();
    }

    DateTime ExpiryOf(AuthenticationTicket ticket) => (ticket.Properties.ExpiresUtc ?? clock.GetUtcNow() + DefaultLifetime).UtcDateTime;

    void Remember(string key, AuthenticationTicket ticket, string userId, DateTime expiresAt)
    {
        var now = clock.GetUtcNow();
        // Entries past MaxStaleness are never used again: drop them, at most once per MaxStaleness.
        if (_sessions.Count >= PruneAbove && now - _prunedAt >= MaxStaleness)
        {
            _prunedAt = now;
            foreach (var (stale, known) in _sessions)
            {
                if (now - known.ReadAt >= MaxStaleness)
                {
                    _sessions.TryRemove(stale, out _);
                }
            }
        }
        if (_sessions.Count >= MaxCachedSessions)
        {
            _sessions.Clear();
        }
        // A copy: the cookie handler updates the properties of the ticket it is handed.
        _sessions[key] = new Known(ticket.Clone(), userId, expiresAt, now);
    }

    public async Task RemoveAsync(string key)
    {
        _sessions.TryRemove(key, out _);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ViatiqueDbContext>();
        await db.Sessions.Where(s => s.Key == key).ExecuteDeleteAsync();
        // A request that read the row while it was being deleted may have put it back.
        _sessions.TryRemove(key, out _);
    }

    /// <summary>Ends every session of a user (after a password reset), here at once and in the database.</summary>
    public async Task<int> RemoveAllAsync(ViatiqueDbContext db, string userId)
    {
        Forget(userId);
        var removed = await db.Sessions.Where(s => s.UserId == userId).ExecuteDeleteAsync();
        // A request that read a session while it was being deleted may have put it back.
        Forget(userId);
        return removed;
    }

    /// <summary>Drops what this process remembers of a user's sessions; the next request re-reads them.</summary>
    public void Forget(string userId)
    {
        foreach (var (key, known) in _sessions)
        {
            if (known.UserId == userId)
            {
                _sessions.TryRemove(key, out _);
            }
        }
    }
}
