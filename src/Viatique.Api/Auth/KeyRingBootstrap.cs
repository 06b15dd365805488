using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Viatique.Api.Settings;

namespace Viatique.Api.Auth;

/// <summary>
/// Gives the shared key ring its first key during <c>migrate</c>, under the migration lock, before
/// any replica serves. Otherwise replicas starting together on an empty ring would each create a
/// key of their own, and a CSRF token or cookie protected by one replica would be unreadable on the
/// others until their next ring refresh (the framework's is daily).
/// </summary>
public static class KeyRingBootstrap
{
    /// <summary>A key about to expire is replaced by the replicas themselves, days ahead; only a missing one is created here.</summary>
    static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);

    /// <returns>True when this call created the key.</returns>
    public static bool EnsureKey(IServiceProvider services)
    {
        if (services.GetRequiredService<ViatiqueSettings>().SecretKeyIsEphemeral)
        {
            return false;
        }
        var keys = services.GetRequiredService<IKeyManager>();
        var now = (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        if (keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now))
        {
            return false;
        }
        keys.CreateNewKey(activationDate: now, expirationDate: now + Lifetime);
        return true;
    }
}
