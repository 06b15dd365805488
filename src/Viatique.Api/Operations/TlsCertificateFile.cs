using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Viatique.Api.Operations;

/// <summary>The certificate nginx serves (<c>TLS_CERT_PATH</c>, PEM or DER; the first certificate of a chain).</summary>
public static class TlsCertificateFile
{
    /// <summary>The end of the certificate's validity.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="CryptographicException">The file holds no readable certificate.</exception>
    public static DateTimeOffset ReadNotAfter(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var certificate = LooksLikePem(bytes)
            ? X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(bytes))
            : X509CertificateLoader.LoadCertificate(bytes);
        return new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
    }

    static bool LooksLikePem(byte[] bytes) =>
        System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 4096)).Contains("-----BEGIN", StringComparison.Ordinal);
}
