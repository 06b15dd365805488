using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Npgsql;
using Viatique.Api.Settings;

namespace Viatique.Api.Auth;

/// <summary>
/// Gives the shared key ring its first key during <c>migrate</c>, under a PostgreSQL advisory lock,
/// before any replica serves. Otherwise replicas starting together on an empty ring would each
/// create a key of their own, and a CSRF token or cookie protected by one replica would be
/// unreadable on the others until their next ring refresh (the framework's is daily).
/// </summary>
public static class KeyRingBootstrap
{
    /// <summary>pg_advisory_lock key: "VIQKEYRG" in ASCII (the migrations have their own).</summary>
    const long AdvisoryLockKey = 0x5649_514B_4559_5247;

    /// <summary>A key about to expire is replaced by the replicas themselves, days ahead; only a missing one is created here.</summary>
    static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    /// <returns>True when this call created the key.</returns>
    public static async Task<bool> EnsureKeyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<ViatiqueSettings>();
        if (settings.SecretKeyIsEphemeral)
        {
            return false;
        }
        var keys = services.GetRequiredService<IKeyManager>();
        var clock = services.GetService<TimeProvider>() ?? TimeProvider.System;
        if (services.GetService<NpgsqlDataSource>() is not { } database)
        {
            // SQLite: one process, nothing to race with.
            return CreateWhenMissing(keys, clock.GetUtcNow());
        }
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            take.Parameters.AddWithValue("key", AdvisoryLockKey);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            return CreateWhenMissing(keys, clock.GetUtcNow());
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            release.Parameters.AddWithValue("key", AdvisoryLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    static bool CreateWhenMissing(IKeyManager keys, DateTimeOffset now)
    {
        if (keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now))
        {
            return false;
        }
        keys.CreateNewKey(activationDate: now, expirationDate: now + Lifetime);
        return true;
    }
}
