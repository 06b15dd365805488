using System.Collections;
using System.Globalization;
using System.Security.Cryptography;

namespace Viatique.Api.Settings;

/// <summary>
/// Reads <see cref="ViatiqueSettings"/> from a snapshot of environment variables. It never throws
/// on a bad value: it records a <see cref="SettingProblem"/> and goes on, so the rulebook can
/// report every violation at once.
/// </summary>
public sealed class SettingsReader
{
    public const string ExampleSecretKey = "replace-me-with-50-random-characters-see-readme";

    /// <summary>Development's zero-configuration database, relative to the working directory.</summary>
    public const string DevelopmentDatabaseUrl = "sqlite:///data/viatique.db";

    static readonly string[] DevelopmentHosts = ["localhost", "127.0.0.1", "[::1]"];

    readonly IReadOnlyDictionary<string, string> _env;
    readonly List<SettingProblem> _problems = [];
    readonly SortedSet<string> _read = new(StringComparer.Ordinal);

    SettingsReader(IReadOnlyDictionary<string, string> env) => _env = env;

    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            env[(string)entry.Key] = (string?)entry.Value ?? "";
        }
        return env;
    }

    public static ViatiqueSettings FromProcessEnvironment() => Read(ProcessEnvironment());

    public static ViatiqueSettings Read(IReadOnlyDictionary<string, string> env) => new SettingsReader(env).Read();

    /// <summary>Every variable the host reads (NAME_FILE variants included), for documentation checks.</summary>
    public static IReadOnlySet<string> Variables()
    {
        var reader = new SettingsReader(new Dictionary<string, string>());
        reader.Read();
        return reader._read;
    }

    ViatiqueSettings Read()
    {
        var environment = ReadEnvironment();
        var development = environment == AppEnvironment.Development;

        var secretKey = Secret("SECRET_KEY");
        var ephemeral = false;
        if (secretKey is null && development)
        {
            secretKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
            ephemeral = true;
        }

        var databaseText = Secret("DATABASE_URL");
        DatabaseUrl? database = null;
        string? databaseError = null;
        if (databaseText is not null || development)
        {
            DatabaseUrl.TryParse(databaseText ?? DevelopmentDatabaseUrl, out database, out databaseError);
        }

        var redis = Secret("CELERY_BROKER_URL");
        var redisVariable = "CELERY_BROKER_URL";
        if (redis is null)
        {
            redis = Secret("REDIS_URL");
            redisVariable = "REDIS_URL";
        }

        var allowedHosts = List("ALLOWED_HOSTS");
        var proxies = List("TRUSTED_PROXIES");
        var emailPortText = Plain("EMAIL_PORT");
        var logFormat = ReadLogFormat();

        return new ViatiqueSettings
        {
            Environment = environment,
            Debug = Boolean("DEBUG", false),
            LogFormat = logFormat ?? (development ? LogFormat.Text : LogFormat.Json),
            LogFormatGiven = logFormat is not null,
            SecretKey = secretKey,
            SecretKeyIsEphemeral = ephemeral,
            SecretKeyFallbacks = SplitList(Secret("SECRET_KEY_FALLBACKS")),
            DatabaseUrlGiven = databaseText is not null,
            Database = database,
            DatabaseUrlError = databaseError,
            AllowedHosts = allowedHosts.Count == 0 && development ? DevelopmentHosts : allowedHosts,
            CsrfTrustedOrigins = List("CSRF_TRUSTED_ORIGINS"),
            SslEnabled = Boolean("SSL_ENABLED", !development),
            SessionCookieSecure = Boolean("SESSION_COOKIE_SECURE", !development),
            CsrfCookieSecure = Boolean("CSRF_COOKIE_SECURE", !development),
            HstsSeconds = Integer("SECURE_HSTS_SECONDS", 31_536_000, MaxSeconds),
            HstsIncludeSubdomains = Boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", true),
            HstsPreload = Boolean("SECURE_HSTS_PRELOAD", true),
            EmailHost = Plain("EMAIL_HOST"),
            EmailPortText = emailPortText,
            EmailPort = int.TryParse(emailPortText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : 587,
            EmailHostUser = Plain("EMAIL_HOST_USER"),
            EmailHostPassword = Secret("EMAIL_HOST_PASSWORD"),
            EmailUseTls = Boolean("EMAIL_USE_TLS", true),
            DefaultFromEmail = Plain("DEFAULT_FROM_EMAIL") ?? "webmaster@localhost",
            PasswordResetTimeout = TimeSpan.FromSeconds(Integer("PASSWORD_RESET_TIMEOUT", 259_200, MaxSeconds)),
            RedisUrl = redis,
            RedisUrlVariable = redisVariable,
            ResultBackendUrl = Secret("CELERY_RESULT_BACKEND"),
            TrustedProxies = proxies.Count == 0 ? ["127.0.0.1", "::1"] : proxies,
            TrustedProxiesDefaulted = proxies.Count == 0,
            MediaRoot = Plain("MEDIA_ROOT") ?? "media",
            StaticRoot = Plain("STATIC_ROOT") ?? "staticfiles",
            BackupDir = Plain("BACKUP_DIR") ?? "backups",
            TlsCertPath = Plain("TLS_CERT_PATH"),
            MetricsToken = Secret("METRICS_TOKEN"),
            DatabasePoolSize = (int)Integer("DATABASE_POOL_SIZE", ViatiqueSettings.DefaultDatabasePoolSize, int.MaxValue, "connections", "20"),
            Problems = _problems,
        };
    }

    AppEnvironment ReadEnvironment()
    {
        var name = Plain("ASPNETCORE_ENVIRONMENT") ?? Plain("DOTNET_ENVIRONMENT");
        if (name is null)
        {
            return AppEnvironment.Production;
        }
        if (Enum.TryParse<AppEnvironment>(name, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(name, out _))
        {
            return parsed;
        }
        _problems.Add(new SettingProblem("VIQ-E011", "ASPNETCORE_ENVIRONMENT",
            "ASPNETCORE_ENVIRONMENT is not one of Development, Staging, Production; the Production rules apply",
            "set ASPNETCORE_ENVIRONMENT=Production (or Staging, or Development on a workstation)"));
        return AppEnvironment.Production;
    }

    LogFormat? ReadLogFormat()
    {
        switch (Plain("LOG_FORMAT")?.ToLowerInvariant())
        {
            case null:
                return null;
            case "json":
                return LogFormat.Json;
            case "text":
                return LogFormat.Text;
            default:
                _problems.Add(new SettingProblem("VIQ-E012", "LOG_FORMAT",
                    "LOG_FORMAT is neither text nor json; the environment's default applies",
                    "set LOG_FORMAT=json (log collectors) or LOG_FORMAT=text (a terminal), or remove it"));
                return null;
        }
    }

    string? Plain(string name)
    {
        _read.Add(name);
        var value = _env.GetValueOrDefault(name)?.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>A secret from NAME or from the file named by NAME_FILE (Docker and Kubernetes secrets).</summary>
    string? Secret(string name)
    {
        var direct = Plain(name);
        var path = Plain(name + "_FILE");
        if (path is null)
        {
            return direct;
        }
        if (direct is not null)
        {
            _problems.Add(new SettingProblem("VIQ-E091", name,
                $"both {name} and {name}_FILE are set; it is unclear which one is meant",
                $"keep only one: {name}_FILE for a mounted secret file, or {name}"));
            return direct;
        }
        try
        {
            // Secret files usually end with a newline that is not part of the secret.
            var value = File.ReadAllText(path).TrimEnd('\r', '\n');
            return value.Length == 0 ? null : value;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _problems.Add(new SettingProblem("VIQ-E092", name + "_FILE",
                $"{name}_FILE names a file that cannot be read ({path}: {e.GetType().Name})",
                "mount the secret file at that path and make it readable by the host's user"));
            return null;
        }
    }

    IReadOnlyList<string> List(string name) => SplitList(Plain(name));

    static IReadOnlyList<string> SplitList(string? value) =>
        value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    bool Boolean(string name, bool fallback)
    {
        var value = Plain(name);
        if (value is null)
        {
            return fallback;
        }
        if (TryParseBoolean(value, out var parsed))
        {
            return parsed;
        }
        _problems.Add(new SettingProblem("VIQ-E090", name,
            $"{name} is not a boolean",
            "use one of true/false, 1/0, yes/no, on/off"));
        return fallback;
    }

    /// <summary>The largest number of seconds any setting accepts (about 68 years); more is reported, never a crash.</summary>
    const long MaxSeconds = int.MaxValue;

    long Integer(string name, long fallback, long max, string unit = "seconds", string example = "31536000")
    {
        var value = Plain(name);
        if (value is null)
        {
            return fallback;
        }
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= max)
        {
            return parsed;
        }
        _problems.Add(new SettingProblem("VIQ-E090", name,
            $"{name} is not a whole number of {unit} up to {max}",
            $"write digits only, e.g. {name}={example}"));
        return fallback;
    }

    /// <summary>Strict booleans: true/false/1/0/yes/no/on/off in any case, nothing else.</summary>
    public static bool TryParseBoolean(string value, out bool result)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on":
                result = true;
                return true;
            case "false" or "0" or "no" or "off":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }
}
