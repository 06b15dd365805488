using Viatique.Deploy.Tests.Infrastructure;

namespace Viatique.Deploy.Tests.Stack;

/// <summary>
/// The certificate's life with a real ACME server (pebble) validating over HTTP-01 through
/// nginx's port 80: placeholder at first start, one-shot issuance, reload, forced renewal, reload.
/// </summary>
[Collection(ProductionStackCollection.Name)]
public sealed class CertificateTests(ProductionStack production)
{
    ComposeStack Stack => production.Stack;

    [Fact]
    public async Task The_placeholder_is_replaced_by_an_issued_certificate_and_a_renewal_reloads_nginx()
    {
        var placeholder = await Stack.ServerCertificateAsync();
        Assert.Contains("Viatique placeholder", placeholder.Subject, StringComparison.Ordinal);

        var issue = await Stack.ComposeAsync("run", "--rm", "-T", "certbot", "issue", "--server", "https://pebble:14000/dir");
        Assert.True(issue.Ok, issue.Output + issue.Error);

        var issued = await WaitForCertificateAsync(c => c.Issuer.Contains("Pebble", StringComparison.Ordinal), "the issued certificate");
        Assert.Contains(Stack.Domain, issued.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false), StringComparison.Ordinal);
        Assert.Contains("reloaded", await Stack.LogsAsync("nginx"), StringComparison.Ordinal);

        var renew = await Stack.ComposeAsync("run", "--rm", "-T", "certbot", "renew", "--force-renewal");
        Assert.True(renew.Ok, renew.Output + renew.Error);
        var renewed = await WaitForCertificateAsync(c => c.SerialNumber != issued.SerialNumber, "the renewed certificate");
        Assert.Contains("Pebble", renewed.Issuer, StringComparison.Ordinal);
    }

    async Task<System.Security.Cryptography.X509Certificates.X509Certificate2> WaitForCertificateAsync(
        Func<System.Security.Cryptography.X509Certificates.X509Certificate2, bool> expected, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var served = await Stack.ServerCertificateAsync();
            if (expected(served))
            {
                return served;
            }
            Assert.True(DateTime.UtcNow < deadline, $"nginx does not serve {what} (still {served.Subject} from {served.Issuer})\n{await Stack.LogsAsync("nginx")}");
            await Task.Delay(1000);
        }
    }
}
