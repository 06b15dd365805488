using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Viatique.Api.Auth;
using Viatique.Api.Settings;

namespace Viatique.Api.Tests.Auth;

public class SecretKeyRingTests
{
    const string OldKey = "old-k3y_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";
    const string NewKey = "new-k3y_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";

    static readonly XElement KeyMaterial = new("key", new XElement("secret", "the data-protection master key"));

    static SecretKeyXmlDecryptor DecryptorFor(string current, params string[] fallbacks) =>
        new(new ServiceCollection().AddSingleton(new ViatiqueSettings { SecretKey = current, SecretKeyFallbacks = fallbacks }).BuildServiceProvider());

    [Fact]
    public void EncryptedElementHidesTheKeyMaterial()
    {
        var encrypted = new SecretKeyXmlEncryptor(OldKey).Encrypt(KeyMaterial).EncryptedElement.ToString();
        Assert.DoesNotContain("master key", encrypted);
        Assert.DoesNotContain(OldKey, encrypted);
    }

    [Fact]
    public void TheCurrentKeyDecrypts()
    {
        var encrypted = new SecretKeyXmlEncryptor(OldKey).Encrypt(KeyMaterial).EncryptedElement;
        Assert.Equal(KeyMaterial.ToString(), DecryptorFor(OldKey).Decrypt(encrypted).ToString());
    }

    [Fact]
    public void AFallbackKeyDecryptsAfterRotation()
    {
        var encrypted = new SecretKeyXmlEncryptor(OldKey).Encrypt(KeyMaterial).EncryptedElement;
        Assert.Equal(KeyMaterial.ToString(), DecryptorFor(NewKey, OldKey).Decrypt(encrypted).ToString());
    }

    [Fact]
    public void WithoutTheFallbackNothingDecrypts()
    {
        var encrypted = new SecretKeyXmlEncryptor(OldKey).Encrypt(KeyMaterial).EncryptedElement;
        Assert.Throws<CryptographicException>(() => DecryptorFor(NewKey).Decrypt(encrypted));
    }

    [Fact]
    public void TamperingIsDetected()
    {
        var encrypted = new SecretKeyXmlEncryptor(OldKey).Encrypt(KeyMaterial).EncryptedElement;
        var value = encrypted.Element("value")!;
        var bytes = Convert.FromBase64String(value.Value);
        bytes[^1] ^= 1;
        value.Value = Convert.ToBase64String(bytes);
        Assert.ThrowsAny<CryptographicException>(() => DecryptorFor(OldKey).Decrypt(encrypted));
    }

    [Fact]
    public void PasswordResetTokensRoundTripWithTheUserId()
    {
        var encoded = PasswordResetToken.Encode("user-42", "CfDJ8+identity/token==");
        Assert.True(PasswordResetToken.TryDecode(encoded, out var user, out var token));
        Assert.Equal(("user-42", "CfDJ8+identity/token=="), (user, token));
        Assert.False(PasswordResetToken.TryDecode("garbage", out _, out _));
        Assert.False(PasswordResetToken.TryDecode("!!.??", out _, out _));
    }
}
