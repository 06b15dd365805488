using System.Text.RegularExpressions;
using k8s.Models;
using Viatique.Api.Settings;
using Viatique.Api.Settings.Rulebook;
using Viatique.Kubernetes.Tests.Infrastructure;

namespace Viatique.Kubernetes.Tests;

/// <summary>What the pods' environment says: settings from the ConfigMap, secrets only as mounted files.</summary>
public partial class SettingsTests
{
    /// <summary>Variables the host reads that hold a secret: those it also accepts as NAME_FILE.</summary>
    static readonly HashSet<string> SecretVariables = [.. SettingsReader.Variables()
        .Where(v => v.EndsWith("_FILE", StringComparison.Ordinal)).Select(v => v[..^"_FILE".Length])
        .Append("VIATIQUE_SUPERUSER_PASSWORD").Append("POSTGRES_PASSWORD").Append("REDIS_PASSWORD")];

    /// <summary>Variables the container reads outside SettingsReader: Kestrel's, and the image's entrypoint's.</summary>
    static readonly string[] HostingVariables = ["ASPNETCORE_URLS", .. EntrypointVariables()];

    static Overlay Overlay => Overlay.Production;

    /// <summary>A container's environment as the kubelet builds it: envFrom ConfigMaps, then env.</summary>
    static Dictionary<string, string> Environment(V1Container container)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            Assert.Null(source.SecretRef);
            foreach (var (key, value) in Overlay.Single<V1ConfigMap>(source.ConfigMapRef.Name).Data)
            {
                env[key] = value;
            }
        }
        foreach (var variable in container.Env ?? [])
        {
            Assert.Null(variable.ValueFrom?.SecretKeyRef);
            env[variable.Name] = variable.Value ?? "";
        }
        return env;
    }

    [Fact]
    public void EveryHostContainerReadsTheSharedConfigMap() =>
        Assert.All(Overlay.HostContainers(), c => Assert.Contains(c.Container.EnvFrom, s => s.ConfigMapRef?.Name == "viatique-config"));

    [Fact]
    public void NoSecretIsWrittenInAnyManifest()
    {
        Assert.DoesNotContain(Overlay.OfType<V1Secret>(), s => s.Data?.Count > 0 || s.StringData?.Count > 0);
        Assert.All(Overlay.Containers(), c =>
            Assert.DoesNotContain(Environment(c.Container).Keys, k => SecretVariables.Contains(k)));
        Assert.All(Manifests.Files(), file =>
            Assert.DoesNotMatch(CredentialsInUrl(), File.ReadAllText(file)));
    }

    [Fact]
    public void EveryFileVariableNamesAFileOfTheReadOnlySecretMount()
    {
        foreach (var (name, pod, container) in Overlay.HostContainers())
        {
            var secretMounts = container.VolumeMounts
                .Where(m => pod.Volumes.Single(v => v.Name == m.Name).Secret is not null)
                .ToDictionary(m => m.MountPath, m => m);
            var files = Environment(container).Where(e => e.Key.EndsWith("_FILE", StringComparison.Ordinal)).ToList();

            Assert.NotEmpty(files);
            Assert.All(files, file =>
            {
                Assert.Contains(file.Key, SettingsReader.Variables());
                var mount = Assert.Contains(Path.GetDirectoryName(file.Value)!, secretMounts);
                Assert.True(mount.ReadOnlyProperty, $"{name}: {mount.MountPath} must be read-only");
            });
        }
    }

    [Fact]
    public void TheReadmeSecretCommandCreatesExactlyTheFilesThePodsRead()
    {
        var readme = File.ReadAllText(Path.Combine(Manifests.RepoRoot, "README.md"));
        var created = FromFile().Matches(readme).Select(m => m.Groups[1].Value).ToHashSet();
        var read = Overlay.Config.Data.Where(e => e.Key.EndsWith("_FILE", StringComparison.Ordinal))
            .Select(e => Path.GetFileName(e.Value)).ToHashSet();

        Assert.NotEmpty(created);
        Assert.Equal(read.Order(), created.Order());
    }

    [Fact]
    public void EveryVariableTheHostReadsIsSetOrSaidDeliberatelyUnset()
    {
        var set = Overlay.Config.Data.Keys.ToHashSet();
        var unset = DeliberatelyUnset();
        var missing = SettingsReader.Variables().Concat(HostingVariables)
            .Where(v => !v.EndsWith("_FILE", StringComparison.Ordinal))
            .Where(v => !set.Contains(v) && !set.Contains(v + "_FILE") && !unset.Contains(v));

        Assert.Empty(missing);
        Assert.DoesNotContain(unset, v => set.Contains(v));
    }

    [Fact]
    public void EveryConfigMapKeyIsAVariableTheHostReads()
    {
        var known = SettingsReader.Variables().Concat(HostingVariables).ToHashSet();

        Assert.DoesNotContain(Overlay.Config.Data.Keys, k => !known.Contains(k));
    }

    [Fact]
    public void TheOverlaysSettingsPassTheStartupRulebookOnceTheSecretsAreMounted()
    {
        var mount = Directory.CreateTempSubdirectory("viatique-secrets-");
        try
        {
            var env = new Dictionary<string, string>(Overlay.Config.Data);
            foreach (var (key, path) in Overlay.Config.Data.Where(e => e.Key.EndsWith("_FILE", StringComparison.Ordinal)))
            {
                var local = Path.Combine(mount.FullName, Path.GetFileName(path));
                File.WriteAllText(local, SampleSecret(key[..^"_FILE".Length]) + "\n");
                env[key] = local;
            }

            var report = Api.Settings.Rulebook.Rulebook.Evaluate(new RuleContext(SettingsReader.Read(env), DateTimeOffset.UtcNow));

            Assert.Empty(report.Errors.Select(f => $"{f.Id} {f.Variable}: {f.Message}"));
        }
        finally
        {
            mount.Delete(recursive: true);
        }
    }

    [Fact]
    public void TrustedProxiesNameTheGatewaysNetworkNotLoopback()
    {
        var proxies = Overlay.Config.Data["TRUSTED_PROXIES"].Split(',', StringSplitOptions.TrimEntries);

        Assert.All(proxies, p =>
        {
            Assert.True(System.Net.IPNetwork.TryParse(p, out var network), $"{p} is not a CIDR");
            Assert.False(System.Net.IPAddress.IsLoopback(network.BaseAddress));
        });
    }

    /// <summary>Values that pass the rules, as an operator's secret files would hold them.</summary>
    static string SampleSecret(string variable) => variable switch
    {
        "SECRET_KEY" => "k3J9-xQ2vL8mN4pR7sT1wY6zA0bC5dE9fG2hJ4kL7mN1pQ3rS8tU",
        "DATABASE_URL" => "postgresql://viatique:s3cret-pw@db.internal:5432/viatique?sslmode=require",
        "CELERY_BROKER_URL" => "redis://:r3dis-pw@redis.internal:6379/0",
        "EMAIL_HOST_PASSWORD" => "smtp-pw",
        "METRICS_TOKEN" => "m3trics-token-with-enough-entropy-0123456789abcdef",
        _ => "",
    };

    /// <summary>Every ${NAME} docker/entrypoint.sh expands (its settings; the script's own locals are lower case).</summary>
    static IEnumerable<string> EntrypointVariables() =>
        EntrypointExpansion().Matches(File.ReadAllText(Path.Combine(Manifests.RepoRoot, "docker", "entrypoint.sh")))
            .Select(m => m.Groups[1].Value).Distinct();

    /// <summary>Variables named in configmap.yaml's "Read by the host but deliberately not set here" comment.</summary>
    static HashSet<string> DeliberatelyUnset()
    {
        var lines = File.ReadAllLines(Path.Combine(Manifests.Base, "configmap.yaml"));
        var start = Array.FindIndex(lines, l => l.Contains("deliberately not set here", StringComparison.Ordinal));
        Assert.True(start >= 0, "configmap.yaml lists the variables it leaves unset");
        return lines.Skip(start + 1).TakeWhile(l => l.StartsWith("#   ", StringComparison.Ordinal))
            .Select(l => UnsetEntry().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet();
    }

    [GeneratedRegex(@"^#   ([A-Z][A-Z0-9_]+):")]
    private static partial Regex UnsetEntry();

    [GeneratedRegex(@"\$\{([A-Z][A-Z0-9_]+)")]
    private static partial Regex EntrypointExpansion();

    [GeneratedRegex(@"--from-file=([A-Z][A-Z0-9_]+)=")]
    private static partial Regex FromFile();

    [GeneratedRegex(@"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s/]+@")]
    private static partial Regex CredentialsInUrl();
}
