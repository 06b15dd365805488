using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Viatique.Deploy.Tests.Infrastructure;

/// <summary>What a <see cref="ComposeStack"/> runs.</summary>
public sealed record ComposeStackOptions
{
    /// <summary>The site's name: DOMAIN, ALLOWED_HOSTS and the certificate's name.</summary>
    public string Domain { get; init; } = "viatique.test";

    /// <summary>Services to start (with what they depend on); null: every service of the file.</summary>
    public IReadOnlyList<string>? Services { get; init; }

    /// <summary>docker-compose up --scale backend=N.</summary>
    public int BackendReplicas { get; init; } = 1;

    /// <summary>Adds Let's Encrypt's test ACME server (Debian's pebble) as the service "pebble".</summary>
    public bool Pebble { get; init; }

    /// <summary>
    /// Adds an SMTP sink as the service "smtp" (Python's smtpd, printing what it receives) and points
    /// EMAIL_HOST at it. It speaks no TLS, so the worker runs in Staging with EMAIL_USE_TLS=false
    /// (Production rightly demands TLS).
    /// </summary>
    public bool Smtp { get; init; }

    /// <summary>Lines added to (or replacing lines of) the rendered .env.production.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long the started services may take to become healthy.</summary>
    public TimeSpan HealthyTimeout { get; init; } = TimeSpan.FromMinutes(4);
}

/// <summary>
/// docker/docker-compose.prod.yml brought up for a test: a unique project name, a free subnet,
/// ports published on 127.0.0.1 only (free ports), a test .env.production with fresh secrets, and
/// the stand-in images swapped in by a compose override (StandIns/README.md). Disposing it
/// removes its containers, networks and volumes, whatever happened.
/// Reusable by any test that needs the real stack (deploy, backup, rollback…): run docker-compose
/// commands against it with <see cref="ComposeAsync"/>, reach nginx with <see cref="CreateClient"/>.
/// </summary>
public sealed class ComposeStack : IAsyncDisposable
{
    public const string ComposeFile = "docker/docker-compose.prod.yml";
    static readonly TimeSpan ComposeTimeout = TimeSpan.FromMinutes(6);

    readonly DockerImages _images;
    readonly Dictionary<string, string> _env = new(StringComparer.Ordinal);

    ComposeStack(DockerImages images, ComposeStackOptions options)
    {
        _images = images;
        Options = options;
        ProjectName = "viqtest" + Guid.NewGuid().ToString("N")[..10];
        Directory = System.IO.Directory.CreateTempSubdirectory("viatique-stack-").FullName;
        ChooseAddresses();
    }

    /// <summary>Free ports and a random subnet; chosen again when another stack took them first.</summary>
    void ChooseAddresses()
    {
        (HttpPort, HttpsPort) = FreePorts();
        var third = Random.Shared.Next(1, 250);
        Subnet = $"172.29.{third}.0/24";
        NginxAddress = $"172.29.{third}.10";
    }

    public ComposeStackOptions Options { get; }
    public string ProjectName { get; }

    /// <summary>The stack's own folder: .env.production, the compose override, pebble's files.</summary>
    public string Directory { get; }

    public string EnvFile => Path.Combine(Directory, ".env.production");
    public string OverrideFile => Path.Combine(Directory, "docker-compose.test.yml");
    public string Domain => Options.Domain;
    public int HttpPort { get; private set; }
    public int HttpsPort { get; private set; }
    public string Subnet { get; private set; } = "";
    public string NginxAddress { get; private set; } = "";


    /// <summary>The values written to .env.production.</summary>
    public IReadOnlyDictionary<string, string> Env => _env;

    /// <summary>https://DOMAIN/ — reach it through <see cref="CreateClient"/>, which connects to the published port.</summary>
    public Uri HttpsBase => new($"https://{Domain}/");
    public Uri HttpBase => new($"http://{Domain}/");

    /// <summary>Variables docker-compose itself reads (image, env file, ports, subnet).</summary>
    public IReadOnlyDictionary<string, string?> ComposeEnvironment => new Dictionary<string, string?>
    {
        ["VIATIQUE_IMAGE"] = DockerImages.AppRepository,
        ["VIATIQUE_TAG"] = _images.AppTag,
        ["VIATIQUE_ENV_FILE"] = EnvFile,
        ["NGINX_BIND"] = "127.0.0.1",
        ["NGINX_HTTP_PORT"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NGINX_HTTPS_PORT"] = HttpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["VIATIQUE_SUBNET"] = Subnet,
        ["VIATIQUE_IP_RANGE"] = Subnet.Replace(".0/24", ".128/25", StringComparison.Ordinal),
        ["NGINX_ADDRESS"] = NginxAddress,
        ["COMPOSE_HTTP_TIMEOUT"] = "300",
    };

    public static async Task<ComposeStack> StartAsync(DockerImages images, ComposeStackOptions? options = null)
    {
        var stack = new ComposeStack(images, options ?? new ComposeStackOptions());
        try
        {
            if (stack.Options.Pebble)
            {
                await stack.WritePebbleFilesAsync();
            }
            List<string> up = ["up", "-d", "--no-build", "--scale", $"backend={stack.Options.BackendReplicas}"];
            up.AddRange(stack.Options.Services ?? []);
            if (stack.Options.Pebble && stack.Options.Services is not null)
            {
                up.Add("pebble");
            }
            if (stack.Options.Smtp && stack.Options.Services is not null)
            {
                up.Add("smtp");
            }
            for (var attempt = 1; ; attempt++)
            {
                stack.WriteEnvFile();
                stack.WriteOverride();
                var started = await stack.ComposeAsync([.. up]);
                // Another stack (a parallel test run) may have taken the ports or the subnet meanwhile.
                var clash = started.Error.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    || started.Error.Contains("Pool overlaps", StringComparison.OrdinalIgnoreCase);
                if (started.Ok || !clash || attempt == 3)
                {
                    started.Check();
                    break;
                }
                await stack.ComposeAsync("down", "--volumes", "--remove-orphans", "--timeout", "5");
                stack.ChooseAddresses();
            }
            foreach (var service in stack.Options.Services ?? await stack.ServicesAsync())
            {
                await stack.WaitHealthyAsync(service, stack.Options.HealthyTimeout);
            }
            return stack;
        }
        catch (Exception e)
        {
            var logs = await stack.LogsAsync();
            await stack.DisposeAsync();
            throw new InvalidOperationException($"The stack did not come up: {e.Message}\n--- logs ---\n{logs}", e);
        }
    }

    /// <summary>docker-compose -p PROJECT -f docker/docker-compose.prod.yml -f OVERRIDE ARGS… (not checked).</summary>
    public Task<CommandResult> ComposeAsync(params string[] arguments) =>
        Command.RunAsync("docker-compose", ["-p", ProjectName, "-f", Repo.Path(ComposeFile), "-f", OverrideFile, .. arguments],
            ComposeTimeout, ComposeEnvironment, Repo.Root);

    /// <summary>The service names in the compose files.</summary>
    public async Task<IReadOnlyList<string>> ServicesAsync() =>
        (await ComposeAsync("config", "--services")).Check().Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => (s != "pebble" || Options.Pebble) && (s != "smtp" || Options.Smtp)).ToList();

    /// <summary>Ids of the running containers of a service.</summary>
    public async Task<IReadOnlyList<string>> ContainersAsync(string service) =>
        (await ComposeAsync("ps", "-q", service)).Check().Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Docker's health status of a container: healthy, unhealthy, starting, or none.</summary>
    public static async Task<string> HealthAsync(string container) =>
        (await Command.RunAsync("docker", ["inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", container], TimeSpan.FromSeconds(30))).Output.Trim();

    /// <summary>Waits until every container of the service is healthy (or running, without a healthcheck).</summary>
    public async Task WaitHealthyAsync(string service, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var containers = await ContainersAsync(service);
            var states = await Task.WhenAll(containers.Select(HealthAsync));
            last = string.Join(',', states);
            if (states.Length > 0 && states.All(s => s is "healthy" or "running"))
            {
                return;
            }
            await Task.Delay(1000);
        }
        throw new TimeoutException($"{service} is not healthy after {timeout.TotalSeconds:0} s (states: {last}).");
    }

    /// <summary>Waits until some container of the service reports the given health status.</summary>
    public async Task WaitForStatusAsync(string service, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var container in await ContainersAsync(service))
            {
                if (await HealthAsync(container) == status)
                {
                    return;
                }
            }
            await Task.Delay(1000);
        }
        throw new TimeoutException($"{service} never became {status} within {timeout.TotalSeconds:0} s.");
    }

    /// <summary>The logs of one service, or of all (without timestamps' noise).</summary>
    public async Task<string> LogsAsync(string? service = null)
    {
        try
        {
            var result = await ComposeAsync(service is null ? ["logs", "--no-color", "--tail", "80"] : ["logs", "--no-color", service]);
            return result.Output + result.Error;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            return $"(no logs: {e.Message})";
        }
    }

    /// <summary>docker-compose exec -T SERVICE COMMAND… (first container of the service).</summary>
    public Task<CommandResult> ExecAsync(string service, params string[] command) => ComposeAsync(["exec", "-T", service, .. command]);

    /// <summary>
    /// An HttpClient for https://DOMAIN/ and http://DOMAIN/ that connects to the published ports on
    /// 127.0.0.1 (so Host and SNI are the domain's). Redirects are not followed. Any certificate
    /// is accepted (placeholder or pebble's); the last one seen is in <see cref="LastServerCertificate"/>.
    /// </summary>
    public HttpClient CreateClient(CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            PooledConnectionLifetime = TimeSpan.FromSeconds(5),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var port = context.DnsEndPoint.Port == 443 ? HttpsPort : HttpPort;
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is not null)
                    {
                        LastServerCertificate = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
                    }
                    return true;
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = HttpsBase, Timeout = TimeSpan.FromSeconds(30) };
    }

    public X509Certificate2? LastServerCertificate { get; private set; }

    /// <summary>The certificate nginx presents for DOMAIN right now (a fresh TLS handshake).</summary>
    public async Task<X509Certificate2> ServerCertificateAsync()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, HttpsPort);
        X509Certificate2? seen = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            seen = X509CertificateLoader.LoadCertificate(certificate!.Export(X509ContentType.Cert));
            return true;
        });
        await tls.AuthenticateAsClientAsync(Domain);
        return seen!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ComposeAsync("down", "--volumes", "--remove-orphans", "--timeout", "5");
        }
        finally
        {
            // Files written by containers as root (pebble's) are removed with the folder.
            await Command.RunAsync("rm", ["-rf", Directory], TimeSpan.FromMinutes(1));
        }
    }

    void WriteEnvFile()
    {
        _env.Clear();
        var dbPassword = Secret(24);
        var redisPassword = Secret(24);
        _env["ASPNETCORE_ENVIRONMENT"] = "Production";
        _env["SECRET_KEY"] = Secret(64);
        _env["POSTGRES_DB"] = "viatique";
        _env["POSTGRES_USER"] = "viatique";
        _env["POSTGRES_PASSWORD"] = dbPassword;
        _env["DATABASE_URL"] = $"postgresql://viatique:{dbPassword}@db:5432/viatique";
        _env["REDIS_PASSWORD"] = redisPassword;
        _env["CELERY_BROKER_URL"] = $"redis://:{redisPassword}@redis:6379/0";
        _env["ALLOWED_HOSTS"] = Domain;
        _env["CSRF_TRUSTED_ORIGINS"] = $"https://{Domain}";
        _env["TRUSTED_PROXIES"] = Subnet;
        _env["DOMAIN"] = Domain;
        _env["CERTBOT_EMAIL"] = $"ops@{Domain}";
        if (Options.Smtp)
        {
            _env["EMAIL_HOST"] = "smtp";
            _env["EMAIL_PORT"] = "1025";
            _env["DEFAULT_FROM_EMAIL"] = $"noreply@{Domain}";
        }
        foreach (var (name, value) in Options.Environment)
        {
            _env[name] = value;
        }
        File.WriteAllLines(EnvFile, _env.Select(kv => $"{kv.Key}={kv.Value}"));
    }

    void WriteOverride()
    {
        var yaml = new StringBuilder();
        yaml.AppendLine($"""
            # The stand-in images of the container tests (tests/Viatique.Deploy.Tests/StandIns).
            services:
              db:
                image: {DockerImages.Postgres}
              redis:
                image: {DockerImages.Redis}
              nginx:
                image: {DockerImages.Nginx}
                environment:
                  CERT_POLL_SECONDS: "2"
                networks:
                  default:
                    ipv4_address: {NginxAddress}
                    aliases: ["{Domain}"]
              certbot:
                image: {DockerImages.Certbot}
            """);
        if (Options.Pebble)
        {
            yaml.AppendLine($"""
                    environment:
                      REQUESTS_CA_BUNDLE: /pebble/ca.pem
                    volumes:
                      - {Path.Combine(Directory, "pebble")}:/pebble:ro
                  pebble:
                    image: {DockerImages.Pebble}
                    command: ["-config", "/pebble/pebble.json"]
                    environment:
                      PEBBLE_VA_NOSLEEP: "1"
                      PEBBLE_WFE_NONCEREJECT: "0"
                      PEBBLE_AUTHZREUSE: "0"
                    volumes:
                      - {Path.Combine(Directory, "pebble")}:/pebble:ro
                """);
        }
        if (Options.Smtp)
        {
            yaml.AppendLine($"""
                  worker:
                    environment:
                      ASPNETCORE_ENVIRONMENT: Staging
                      EMAIL_USE_TLS: "false"
                  smtp:
                    image: {DockerImages.Smtp}
                """);
        }
        File.WriteAllText(OverrideFile, yaml.ToString());
    }

    /// <summary>pebble's own TLS certificate (for the name "pebble"), its CA, and its configuration.</summary>
    async Task WritePebbleFilesAsync()
    {
        var dir = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "pebble")).FullName;
        (await Command.RunAsync("bash", ["-c", """
            set -euo pipefail
            openssl req -x509 -nodes -newkey rsa:2048 -days 2 -subj "/CN=pebble test CA" -keyout ca.key -out ca.pem 2>/dev/null
            openssl req -nodes -newkey rsa:2048 -subj "/CN=pebble" -keyout key.pem -out server.csr 2>/dev/null
            printf 'subjectAltName=DNS:pebble,DNS:localhost\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out cert.pem 2>/dev/null
            chmod 0644 ./*.pem
            """], TimeSpan.FromMinutes(1), workingDirectory: dir)).Check();
        File.WriteAllText(Path.Combine(dir, "pebble.json"), """
            {"pebble": {"listenAddress": "0.0.0.0:14000", "managementListenAddress": "0.0.0.0:15000",
              "certificate": "/pebble/cert.pem", "privateKey": "/pebble/key.pem",
              "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
            """);
    }

    static string Secret(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(length, alphabet, (span, a) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = a[System.Security.Cryptography.RandomNumberGenerator.GetInt32(a.Length)];
            }
        });
    }

    /// <summary>Two distinct free loopback ports (both held while they are chosen).</summary>
    static (int, int) FreePorts()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
    }
}
