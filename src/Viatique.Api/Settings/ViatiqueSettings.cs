namespace Viatique.Api.Settings;

public enum AppEnvironment { Development, Staging, Production }

/// <summary>How log lines are written: JSON objects (log collectors) or readable text (a terminal).</summary>
public enum LogFormat { Json, Text }

/// <summary>
/// Everything the host reads from its environment, read once (see <see cref="SettingsReader"/>).
/// One property per variable of SPEC §3; values that failed to parse keep their default and
/// leave a <see cref="SettingProblem"/> behind for the rulebook to report.
/// </summary>
public sealed record ViatiqueSettings
{
    public AppEnvironment Environment { get; init; } = AppEnvironment.Production;
    public bool IsDevelopment => Environment == AppEnvironment.Development;

    public bool Debug { get; init; }

    /// <summary>LOG_FORMAT: text by default in Development, JSON elsewhere.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Json;
    /// <summary>Whether LOG_FORMAT was set explicitly (a text format outside Development is then a choice, and warned about).</summary>
    public bool LogFormatGiven { get; init; }

    public string? SecretKey { get; init; }
    /// <summary>True when Development generated <see cref="SecretKey"/> because none was set.</summary>
    public bool SecretKeyIsEphemeral { get; init; }
    public IReadOnlyList<string> SecretKeyFallbacks { get; init; } = [];

    /// <summary>Whether DATABASE_URL (or DATABASE_URL_FILE) was set at all.</summary>
    public bool DatabaseUrlGiven { get; init; }
    public DatabaseUrl? Database { get; init; }
    /// <summary>Why DATABASE_URL could not be parsed; never contains the URL itself.</summary>
    public string? DatabaseUrlError { get; init; }

    public IReadOnlyList<string> AllowedHosts { get; init; } = [];
    public IReadOnlyList<string> CsrfTrustedOrigins { get; init; } = [];

    public bool SslEnabled { get; init; } = true;
    public bool SessionCookieSecure { get; init; } = true;
    public bool CsrfCookieSecure { get; init; } = true;

    public long HstsSeconds { get; init; } = 31_536_000;
    public bool HstsIncludeSubdomains { get; init; } = true;
    public bool HstsPreload { get; init; } = true;

    public string? EmailHost { get; init; }
    public string? EmailPortText { get; init; }
    public int EmailPort { get; init; } = 587;
    public string? EmailHostUser { get; init; }
    public string? EmailHostPassword { get; init; }
    public bool EmailUseTls { get; init; } = true;
    public string DefaultFromEmail { get; init; } = "webmaster@localhost";

    /// <summary>How long a password-reset link works (Django's PASSWORD_RESET_TIMEOUT, seconds).</summary>
    public TimeSpan PasswordResetTimeout { get; init; } = TimeSpan.FromDays(3);

    /// <summary>CELERY_BROKER_URL, or its alias REDIS_URL.</summary>
    public string? RedisUrl { get; init; }
    /// <summary>Which variable <see cref="RedisUrl"/> came from, for findings.</summary>
    public string RedisUrlVariable { get; init; } = "CELERY_BROKER_URL";
    public string? ResultBackendUrl { get; init; }

    public IReadOnlyList<string> TrustedProxies { get; init; } = ["127.0.0.1", "::1"];
    public bool TrustedProxiesDefaulted { get; init; } = true;

    public string MediaRoot { get; init; } = "media";
    public string StaticRoot { get; init; } = "staticfiles";
    public string BackupDir { get; init; } = "backups";
    public string? TlsCertPath { get; init; }
    public string? MetricsToken { get; init; }

    public const int DefaultDatabasePoolSize = 20;
    /// <summary>Most PostgreSQL connections this process opens (DATABASE_POOL_SIZE).</summary>
    public int DatabasePoolSize { get; init; } = DefaultDatabasePoolSize;

    /// <summary>Values that could not be read: malformed booleans and numbers, secrets given twice.</summary>
    public IReadOnlyList<SettingProblem> Problems { get; init; } = [];

    /// <summary>Every secret value held, so that logging can redact them wherever they appear.</summary>
    public IEnumerable<string> SecretValues()
    {
        IEnumerable<string?> values =
        [
            SecretKey, EmailHostPassword, MetricsToken, Database?.Password,
            PasswordOf(RedisUrl), PasswordOf(ResultBackendUrl), .. SecretKeyFallbacks,
        ];
        return values.Where(v => !string.IsNullOrEmpty(v) && v.Length >= 4).Select(v => v!);
    }

    static string? PasswordOf(string? url)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.UserInfo.Length == 0)
        {
            return null;
        }
        var colon = uri.UserInfo.IndexOf(':');
        return Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[(colon + 1)..]);
    }
}

/// <summary>A variable whose value could not be read at all.</summary>
public sealed record SettingProblem(string RuleId, string Variable, string Message, string Hint);
