using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Viatique.Deploy.Tests.Infrastructure;

/// <summary>
/// Makes sure the images the container tests need exist: the stand-in base images (no registry
/// is reachable here; see StandIns/README.md) and the application image built from this
/// repository's docker/Dockerfile. Every image carries a label with the hash of its inputs; a
/// build is skipped when an image with the same hash exists, so a second run is quick.
/// An assembly fixture: built once per test run. Builds are serialised across processes by a
/// lock file, so two test assemblies may use it at once.
/// </summary>
public sealed class DockerImages : IAsyncLifetime
{
    public const string HashLabel = "org.viatique.test.hash";
    public const string Base = "viatique-test/debian:bookworm";
    public const string Services = "viatique-test/services:bookworm";
    public const string Postgres = "viatique-test/postgres:15";
    public const string Redis = "viatique-test/redis:7";
    public const string Nginx = "viatique-test/nginx:1";
    public const string Certbot = "viatique-test/certbot:2";
    public const string Pebble = "viatique-test/pebble:1";
    public const string Smtp = "viatique-test/smtp:1";
    public const string Sdk = "viatique-test/dotnet-sdk:10.0";
    public const string Aspnet = "viatique-test/dotnet-aspnet:10.0";
    public const string AppRepository = "viatique/api";

    static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);
    static readonly string StandIns = Repo.Path("tests", "Viatique.Deploy.Tests", "StandIns");
    static readonly string DotnetRoot = Path.GetDirectoryName(Path.GetFullPath(ResolveDotnet()))!;

    /// <summary>The application image's tag: "test-" and the first 12 digits of its input hash.</summary>
    public string AppTag { get; private set; } = "";

    /// <summary>repository:tag of the application image.</summary>
    public string AppImage => $"{AppRepository}:{AppTag}";

    /// <summary>How long making sure took (a few seconds when everything was cached).</summary>
    public TimeSpan Elapsed { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        await DockerEngine.EnsureRunningAsync();
        await using var buildLock = await LockAsync();

        var baseHash = Hash("debootstrap --variant=minbase bookworm", AptMirror());
        await EnsureAsync(Base, baseHash, BuildBaseAsync);

        var servicesHash = Hash(baseHash, FileText("services.Dockerfile"));
        var sdkHash = Hash(baseHash, FileText("sdk.Dockerfile"), Listing(Path.Combine(DotnetRoot, "sdk")), Listing(Path.Combine(DotnetRoot, "shared")), CaBundle());
        var aspnetHash = Hash(baseHash, FileText("aspnet.Dockerfile"), Listing(Path.Combine(DotnetRoot, "shared")));
        await Task.WhenAll(
            EnsureAsync(Services, servicesHash, h => BuildAsync(Services, h, "services.Dockerfile", StandIns, ("BASE_IMAGE", Base))),
            EnsureAsync(Sdk, sdkHash, BuildSdkAsync),
            EnsureAsync(Aspnet, aspnetHash, BuildAspnetAsync));

        await Task.WhenAll(
            Derived(Postgres, "postgres.Dockerfile", "postgres-entrypoint.sh"),
            Derived(Redis, "redis.Dockerfile"),
            Derived(Nginx, "nginx.Dockerfile", "nginx.conf"),
            Derived(Certbot, "certbot.Dockerfile"),
            Derived(Smtp, "smtp.Dockerfile"),
            EnsureAsync(Pebble, Hash(baseHash, FileText("pebble.Dockerfile"), FileHash("/usr/bin/pebble")), BuildPebbleAsync));

        var appHash = Hash(sdkHash, aspnetHash, AppSourcesHash());
        AppTag = "test-" + appHash[..12];
        await EnsureAsync(AppImage, appHash, h => BuildAsync(AppImage, h, Repo.Path("docker", "Dockerfile"), Repo.Root,
            ("SDK_IMAGE", Sdk), ("RUNTIME_IMAGE", Aspnet)));
        Elapsed = clock.Elapsed;
        Console.WriteLine($"[DockerImages] images ready in {Elapsed.TotalSeconds:0} s (application image {AppImage})");

        Task Derived(string image, params string[] files) =>
            EnsureAsync(image, Hash([servicesHash, .. files.Select(FileText)]), h => BuildAsync(image, h, files[0], StandIns, ("SERVICES_IMAGE", Services)));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The label an existing image carries, or null when there is no such image.</summary>
    public static async Task<string?> LabelOfAsync(string image)
    {
        var result = await Command.RunAsync("docker", ["image", "inspect", "--format", $"{{{{ index .Config.Labels \"{HashLabel}\" }}}}", image], TimeSpan.FromSeconds(30));
        return result.Ok ? result.Output.Trim() : null;
    }

    static async Task EnsureAsync(string image, string hash, Func<string, Task> build)
    {
        if (await LabelOfAsync(image) == hash)
        {
            return;
        }
        var clock = Stopwatch.StartNew();
        await build(hash);
        Console.WriteLine($"[DockerImages] built {image} in {clock.Elapsed.TotalSeconds:0} s");
    }

    static async Task BuildAsync(string image, string hash, string dockerfile, string context, params (string Name, string Value)[] buildArgs)
    {
        List<string> arguments = ["build", "--quiet", "--label", $"{HashLabel}={hash}", "--tag", image, "--file", Path.Combine(context, dockerfile)];
        foreach (var (name, value) in buildArgs)
        {
            arguments.AddRange(["--build-arg", $"{name}={value}"]);
        }
        arguments.Add(context);
        (await Command.RunAsync("docker", arguments, BuildTimeout)).Check();
    }

    /// <summary>Debian bookworm minbase from the mirror apt already uses, imported as an image.</summary>
    static async Task BuildBaseAsync(string hash)
    {
        var root = Directory.CreateTempSubdirectory("viatique-rootfs-").FullName;
        try
        {
            (await Command.RunAsync("debootstrap", ["--variant=minbase", "bookworm", root, AptMirror()], BuildTimeout)).Check();
            (await Command.RunAsync("bash", ["-c", $"set -o pipefail; tar -C '{root}' -c . | docker import --change 'LABEL {HashLabel}={hash}' - {Base}"], BuildTimeout)).Check();
        }
        finally
        {
            await Command.RunAsync("rm", ["-rf", "--one-file-system", root], TimeSpan.FromMinutes(2));
        }
    }

    /// <summary>This machine's SDK and CA certificates (the NuGet feed may be a local copy).</summary>
    static Task BuildSdkAsync(string hash) => WithContextAsync("sdk.Dockerfile", hash, Sdk, async context =>
    {
        await CopyTreeAsync(DotnetRoot, Path.Combine(context, "dotnet"));
        (await Command.RunAsync("cp", ["-rL", "/etc/ssl/certs", Path.Combine(context, "certs")], TimeSpan.FromMinutes(2))).Check();
    });

    /// <summary>This machine's .NET and ASP.NET Core runtimes, without the SDK.</summary>
    static Task BuildAspnetAsync(string hash) => WithContextAsync("aspnet.Dockerfile", hash, Aspnet, async context =>
    {
        var dotnet = Directory.CreateDirectory(Path.Combine(context, "dotnet")).FullName;
        File.Copy(Path.Combine(DotnetRoot, "dotnet"), Path.Combine(dotnet, "dotnet"));
        Directory.CreateDirectory(Path.Combine(dotnet, "host"));
        Directory.CreateDirectory(Path.Combine(dotnet, "shared"));
        await CopyTreeAsync(Path.Combine(DotnetRoot, "host", "fxr"), Path.Combine(dotnet, "host", "fxr"));
        foreach (var framework in new[] { "Microsoft.NETCore.App", "Microsoft.AspNetCore.App" })
        {
            await CopyTreeAsync(Path.Combine(DotnetRoot, "shared", framework), Path.Combine(dotnet, "shared", framework));
        }
    });

    static Task BuildPebbleAsync(string hash) => WithContextAsync("pebble.Dockerfile", hash, Pebble, context =>
    {
        File.Copy("/usr/bin/pebble", Path.Combine(context, "pebble"));
        return Task.CompletedTask;
    });

    static async Task WithContextAsync(string dockerfile, string hash, string image, Func<string, Task> fill)
    {
        var context = Directory.CreateTempSubdirectory("viatique-build-").FullName;
        try
        {
            File.Copy(Path.Combine(StandIns, dockerfile), Path.Combine(context, "Dockerfile"));
            await fill(context);
            await BuildAsync(image, hash, "Dockerfile", context, ("BASE_IMAGE", Base));
        }
        finally
        {
            await Command.RunAsync("rm", ["-rf", "--one-file-system", context], TimeSpan.FromMinutes(2));
        }
    }

    /// <summary>Hard links when the folders share a file system (fast, no space), a copy otherwise.</summary>
    static async Task CopyTreeAsync(string from, string to) =>
        (await Command.RunAsync("bash", ["-c", $"cp -al '{from}' '{to}' 2>/dev/null || {{ rm -rf '{to}'; cp -a '{from}' '{to}'; }}"], TimeSpan.FromMinutes(5))).Check();

    /// <summary>The first Debian mirror in apt's sources (deb822 or one-line format).</summary>
    public static string AptMirror()
    {
        var files = new[] { "/etc/apt/sources.list" }
            .Concat(Directory.Exists("/etc/apt/sources.list.d") ? Directory.GetFiles("/etc/apt/sources.list.d").Order() : [])
            .Where(File.Exists);
        foreach (var line in files.SelectMany(File.ReadLines).Select(l => l.Trim()))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var uri = line.StartsWith("URIs:", StringComparison.Ordinal) ? words.ElementAtOrDefault(1)
                : line.StartsWith("deb ", StringComparison.Ordinal) ? words.Skip(1).FirstOrDefault(w => !w.StartsWith('['))
                : null;
            if (uri is not null && uri.TrimEnd('/').EndsWith("/debian", StringComparison.Ordinal))
            {
                return uri;
            }
        }
        return "http://deb.debian.org/debian";
    }

    /// <summary>Everything docker/Dockerfile copies: a change to any of it rebuilds the image.</summary>
    static string AppSourcesHash()
    {
        var files = new[] { ".editorconfig", "Directory.Build.props", "Directory.Packages.props", ".dockerignore", "docker/Dockerfile", "docker/entrypoint.sh" }
            .Select(f => Repo.Path(f))
            .Concat(Directory.EnumerateFiles(Repo.Path("src"), "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal);
        return Hash([.. files.Select(f => Path.GetRelativePath(Repo.Root, f) + ":" + FileHash(f))]);
    }

    static string FileText(string standIn) => File.ReadAllText(Path.Combine(StandIns, standIn));

    static string FileHash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    static string CaBundle() => File.Exists("/etc/ssl/certs/ca-certificates.crt") ? FileHash("/etc/ssl/certs/ca-certificates.crt") : "";

    static string Listing(string directory) => Directory.Exists(directory)
        ? string.Join(',', Directory.GetDirectories(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        : "";

    static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))));

    static string ResolveDotnet()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, "dotnet")).FirstOrDefault(File.Exists);
        var path = onPath ?? "/usr/share/dotnet/dotnet";
        var info = new FileInfo(path);
        return info.LinkTarget is null ? path : info.ResolveLinkTarget(returnFinalTarget: true)!.FullName;
    }

    static async Task<FileStream> LockAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), "viatique-docker-images.lock");
        var deadline = DateTime.UtcNow + BuildTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
            }
        }
    }
}
