using System.Globalization;
using System.Net;
using Viatique.Deploy.Tests.Infrastructure;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests.Container;

/// <summary>
/// The web pod's media sidecar, run as the pod runs it, serves the uploads on the claim as the
/// single-host nginx serves /media/: the same security headers exactly once (values read from
/// nginx/), plain types only and everything else as bytes, no listing, 404 for what is not there,
/// nothing written or run.
/// </summary>
public class MediaSidecarTests(MediaSidecarOnDocker media) : IClassFixture<MediaSidecarOnDocker>
{
    static CancellationToken Cancelled => TestContext.Current.CancellationToken;

    HttpClient Client() => new(new HttpClientHandler { AllowAutoRedirect = false })
    {
        BaseAddress = new Uri($"http://{media.Sidecar.Address}:{Assert.Single(media.Sidecar.Spec.Ports).ContainerPort}"),
        Timeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Every security header of the single host's /media/, present once with its value.</summary>
    static void AssertSingleHostHeaders(HttpResponseMessage response)
    {
        foreach (var (name, value) in NginxConfiguration.SingleHostMediaHeaders())
        {
            var values = response.Headers.TryGetValues(name, out var found) ? found.ToList() : [];
            Assert.True(values.Count == 1, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {name} appears {values.Count} times ({string.Join(" | ", values)})");
            Assert.Equal(value, values[0]);
        }
    }

    [Fact]
    public async Task PassesItsProbesAsTheKubeletRunsThem()
    {
        var readiness = await media.Sidecar.WaitUntilPassesAsync(media.Sidecar.Spec.ReadinessProbe);
        Assert.True(readiness.Passed, $"{readiness.Detail}\n{await media.Sidecar.LogsAsync()}");

        var liveness = await media.Sidecar.ProbeOnceAsync(media.Sidecar.Spec.LivenessProbe);
        Assert.True(liveness.Passed, liveness.Detail);
    }

    [Fact]
    public async Task ServesATextUploadAsPlainTextWithNosniffAndTheSandboxingPolicyOnce()
    {
        await WaitReadyAsync();
        using var client = Client();

        using var response = await client.GetAsync($"/media/{media.Text}", Cancelled);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(MediaSidecarOnDocker.TextContent, await response.Content.ReadAsStringAsync(Cancelled));
        AssertSingleHostHeaders(response);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("sandbox", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        // Cached as nginx caches static files on a single host: validators, no Cache-Control of its own.
        Assert.NotNull(response.Headers.ETag);
        Assert.NotNull(response.Content.Headers.LastModified);
        Assert.Null(response.Headers.CacheControl);
        Assert.Equal("nginx", response.Headers.Server.ToString());
    }

    [Fact]
    public async Task ServesAnHtmlUploadAsBytesNeverAsAPage()
    {
        await WaitReadyAsync();
        using var client = Client();

        using var response = await client.GetAsync($"/media/{media.Page}", Cancelled);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // What the single-host nginx does: not a named type there, so application/octet-stream;
        // with nosniff the browser downloads it, and the sandbox would keep it off this origin anyway.
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(MediaSidecarOnDocker.PageContent, await response.Content.ReadAsStringAsync(Cancelled));
        AssertSingleHostHeaders(response);
    }

    [Theory]
    [InlineData("/media/" + MediaSidecarOnDocker.Subdirectory + "/", HttpStatusCode.Forbidden)]
    [InlineData("/media/", HttpStatusCode.Forbidden)]
    [InlineData("/media/" + MediaSidecarOnDocker.Incoming + "/", HttpStatusCode.NotFound)]
    [InlineData("/media/" + MediaSidecarOnDocker.Incoming + "/0123456789abcdef0123456789abcdef.part", HttpStatusCode.NotFound)]
    [InlineData("/media/0123456789abcdef0123456789abcdef.png", HttpStatusCode.NotFound)]
    [InlineData("/etc/passwd", HttpStatusCode.NotFound)]
    public async Task ListsNoDirectoryAndAnswersNotFoundForWhatIsNotAnUpload(string path, HttpStatusCode expected)
    {
        await WaitReadyAsync();
        using var client = Client();

        using var response = await client.GetAsync(path, Cancelled);
        var body = await response.Content.ReadAsStringAsync(Cancelled);

        Assert.Equal(expected, response.StatusCode);
        Assert.DoesNotContain("Index of", body, StringComparison.Ordinal);
        Assert.DoesNotContain(".part", body, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        AssertSingleHostHeaders(response);
    }

    [Fact]
    public async Task RedirectsADirectoryWithoutItsSlashRelativelySoTheGatewaysHostAndPortStay()
    {
        await WaitReadyAsync();
        using var client = Client();

        using var response = await client.GetAsync("/media/" + MediaSidecarOnDocker.Subdirectory, Cancelled);

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal($"/media/{MediaSidecarOnDocker.Subdirectory}/", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("POST")]
    public async Task WritesNothingThroughHttp(string method)
    {
        await WaitReadyAsync();
        using var client = Client();

        using var request = new HttpRequestMessage(new HttpMethod(method), $"/media/{media.Text}") { Content = new StringContent("replaced") };
        using var response = await client.SendAsync(request, Cancelled);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(MediaSidecarOnDocker.TextContent, await File.ReadAllTextAsync(Path.Combine(media.MediaDirectory, media.Text), Cancelled));
    }

    [Fact]
    public async Task CannotWriteTheClaimNorItsOwnRoot()
    {
        await WaitReadyAsync();

        var claim = Assert.Single(media.Sidecar.Spec.VolumeMounts, m => m.Name == "media").MountPath;
        var intoClaim = await Command.RunAsync("docker", ["exec", media.Sidecar.Name, "sh", "-c", $"echo x > {claim}/written-by-sidecar"], TimeSpan.FromSeconds(30));
        var intoRoot = await Command.RunAsync("docker", ["exec", media.Sidecar.Name, "sh", "-c", "echo x > /etc/written-by-sidecar"], TimeSpan.FromSeconds(30));
        var user = await Command.DockerAsync("exec", media.Sidecar.Name, "id", "-u");

        Assert.False(intoClaim.Ok, "the sidecar could write to the media claim");
        Assert.Contains("Read-only file system", intoClaim.Error, StringComparison.Ordinal);
        Assert.False(intoRoot.Ok, "the sidecar could write to its root filesystem");
        Assert.False(File.Exists(Path.Combine(media.MediaDirectory, "written-by-sidecar")));
        Assert.Equal(media.Sidecar.Spec.SecurityContext.RunAsUser!.Value.ToString(CultureInfo.InvariantCulture), user);
    }

    [Fact]
    public async Task StaysFarUnderItsMemoryLimitWhileServing()
    {
        await WaitReadyAsync();
        using var client = Client();

        // A bounded burst: 8 clients, 200 downloads in all, 10 s at most.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancelled);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var ok = 0;
            for (var i = 0; i < 25; i++)
            {
                using var response = await client.GetAsync($"/media/{media.Text}", deadline.Token);
                ok += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
            }
            return ok;
        }));
        var usage = await Command.DockerAsync("stats", "--no-stream", "--format", "{{.MemUsage}}", media.Sidecar.Name);
        var used = ParseSize(usage.Split('/')[0].Trim());
        var limit = media.Sidecar.Spec.Resources.Limits["memory"].ToDecimal();

        Assert.Equal(200, statuses.Sum());
        TestContext.Current.SendDiagnosticMessage($"media sidecar: {usage} after 200 downloads");
        Assert.True(used < PodSecurityTests.MediaSidecarPeakMemory.ToDecimal(), $"the sidecar uses {usage}, over the {PodSecurityTests.MediaSidecarPeakMemory} its sizing assumes");
        Assert.True(used < limit / 2, $"the sidecar uses {usage} of its {limit} bytes");
    }

    [Fact]
    public async Task StopsCleanlyWithinItsGracePeriod()
    {
        var sidecar = await media.StartAnotherAsync();
        var readiness = await sidecar.WaitUntilPassesAsync(sidecar.Spec.ReadinessProbe);
        Assert.True(readiness.Passed, readiness.Detail);
        // In Kubernetes the preStop pause is spent before the stop signal, inside the same grace period.
        var grace = (sidecar.Pod.TerminationGracePeriodSeconds ?? 30) - (sidecar.Spec.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        (await Command.RunAsync("docker", ["stop", "--time", grace.ToString(CultureInfo.InvariantCulture), sidecar.Name], TimeSpan.FromSeconds(grace + 30))).Check();

        Assert.Equal("0", await Command.DockerAsync("inspect", "--format", "{{.State.ExitCode}}", sidecar.Name));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(grace), $"nginx took {clock.Elapsed.TotalSeconds:0} s of its {grace} s");
    }

    Task WaitReadyAsync() => media.Sidecar.WaitUntilPassesAsync(media.Sidecar.Spec.ReadinessProbe);

    /// <summary>docker stats' "2.16MiB" (binary units).</summary>
    static decimal ParseSize(string text)
    {
        var units = new[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("B", 1L) };
        var (suffix, factor) = units.First(u => text.EndsWith(u.Item1, StringComparison.Ordinal));
        return decimal.Parse(text[..^suffix.Length], CultureInfo.InvariantCulture) * factor;
    }
}
