using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Viatique.Api.Settings;

namespace Viatique.Api.Auth;

/// <summary>
/// Protects the data-protection key ring (stored in the database, shared by replicas) with a key
/// derived from SECRET_KEY: whoever holds the database but not SECRET_KEY can forge nothing.
/// Keys from SECRET_KEY_FALLBACKS still decrypt, so a rotation keeps sessions; dropping the
/// fallback ends them.
/// </summary>
public static class SecretKeyRing
{
    static readonly byte[] Info = "viatique.dataprotection.keyring.v1"u8.ToArray();

    public static byte[] DeriveKey(string secret) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, salt: null, info: Info);

    /// <summary>Identifies which secret encrypted an element, without revealing it.</summary>
    public static string KeyId(string secret) => SecretKeySighting.FingerprintOf(secret)[..16];
}

public sealed class SecretKeyXmlEncryptor(string secret) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(SecretKeyRing.DeriveKey(secret), tag.Length))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag);
        }
        var element = new XElement("encryptedSecret",
            new XAttribute("keyId", SecretKeyRing.KeyId(secret)),
            new XElement("value", Convert.ToBase64String([.. nonce, .. tag, .. ciphertext])));
        return new EncryptedXmlInfo(element, typeof(SecretKeyXmlDecryptor));
    }
}

/// <summary>Created by the data-protection system from the type name stored beside each key.</summary>
public sealed class SecretKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var settings = services.GetRequiredService<ViatiqueSettings>();
        var keyId = (string?)encryptedElement.Attribute("keyId");
        var secret = new[] { settings.SecretKey }.Concat(settings.SecretKeyFallbacks)
            .FirstOrDefault(s => s is not null && SecretKeyRing.KeyId(s) == keyId)
            ?? throw new CryptographicException("This key was protected with a SECRET_KEY that is neither the current one nor in SECRET_KEY_FALLBACKS.");

        var blob = Convert.FromBase64String((string?)encryptedElement.Element("value") ?? "");
        var nonceSize = AesGcm.NonceByteSizes.MaxSize;
        var tagSize = AesGcm.TagByteSizes.MaxSize;
        var plaintext = new byte[blob.Length - nonceSize - tagSize];
        using (var aes = new AesGcm(SecretKeyRing.DeriveKey(secret), tagSize))
        {
            aes.Decrypt(blob.AsSpan(0, nonceSize), blob.AsSpan(nonceSize + tagSize), blob.AsSpan(nonceSize, tagSize), plaintext);
        }
        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}

/// <summary>
/// Hides from the data-protection system the keys that no configured secret can decrypt (those
/// of a SECRET_KEY retired without a fallback). Without this, every such key is retried and
/// logged as an error on each key-ring load; with it, the host simply starts a new key and says
/// once how many it set aside.
/// <para>
/// It also caches the ring: the framework re-reads it (a synchronous database query, on a request
/// thread) whenever a payload names a key it does not know during the first minutes after start,
/// so forged cookies could make every request query the database. The database is read at most
/// once per <see cref="MinimumRefreshInterval"/>, and at once after this process stores a key.
/// </para>
/// </summary>
public sealed partial class ReadableKeysOnly(IXmlRepository inner, ViatiqueSettings settings, ILogger logger, TimeProvider? clock = null) : IXmlRepository
{
    public static readonly TimeSpan MinimumRefreshInterval = TimeSpan.FromMinutes(1);

    readonly HashSet<string> _known = [.. new[] { settings.SecretKey }.Concat(settings.SecretKeyFallbacks).OfType<string>().Select(SecretKeyRing.KeyId)];
    readonly TimeProvider _clock = clock ?? TimeProvider.System;
    readonly Lock _gate = new();
    (IReadOnlyCollection<XElement> Elements, DateTimeOffset ReadAt)? _cached;
    int _reported = -1;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_gate)
        {
            if (_cached is { } cached && _clock.GetUtcNow() - cached.ReadAt < MinimumRefreshInterval)
            {
                return cached.Elements;
            }
            var elements = ReadAll();
            _cached = (elements, _clock.GetUtcNow());
            return elements;
        }
    }

    IReadOnlyCollection<XElement> ReadAll()
    {
        var all = inner.GetAllElements();
        var readable = all.Where(Readable).ToList();
        var hidden = all.Count - readable.Count;
        if (hidden > 0 && Interlocked.Exchange(ref _reported, hidden) != hidden)
        {
            SetAside(logger, hidden);
        }
        return readable;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        inner.StoreElement(element, friendlyName);
        lock (_gate)
        {
            _cached = null;
        }
    }

    bool Readable(XElement element) =>
        element.Descendants().Where(e => e.Name.LocalName == "encryptedSecret" && e.Attribute("keyId") is not null)
            .All(e => _known.Contains((string)e.Attribute("keyId")!));

    [LoggerMessage(Level = LogLevel.Warning, Message = "{count} data-protection key(s) were protected by a SECRET_KEY that is neither current nor in SECRET_KEY_FALLBACKS; what they protected (sessions, CSRF and reset tokens) is no longer readable")]
    static partial void SetAside(ILogger logger, int count);
}
