using Microsoft.Data.Sqlite;
using Npgsql;
using Viatique.Api.Settings;

namespace Viatique.Api.Data;

/// <summary>Connection strings built from a parsed DATABASE_URL.</summary>
public static class DatabaseConnections
{
    /// <summary>conn_max_age=600: a pooled connection is replaced after ten minutes.</summary>
    public const int ConnectionLifetimeSeconds = 600;

    /// <summary>A web request's query; migrations and housekeeping jobs set longer ones.</summary>
    public const int CommandTimeoutSeconds = 5;

    /// <summary>
    /// The query options accepted after <c>?</c> (libpq's names, as <c>dj_database_url</c> passes
    /// them to psycopg), and where each lands in Npgsql.
    /// </summary>
    static readonly Dictionary<string, Action<NpgsqlConnectionStringBuilder, string>> PostgresOptions = new(StringComparer.Ordinal)
    {
        ["sslmode"] = (b, v) => b.SslMode = Enum.Parse<SslMode>(v.Replace("-", "", StringComparison.Ordinal), ignoreCase: true),
        ["sslrootcert"] = (b, v) => b.RootCertificate = v,
        ["sslcert"] = (b, v) => b.SslCertificate = v,
        ["sslkey"] = (b, v) => b.SslKey = v,
        ["connect_timeout"] = (b, v) => b.Timeout = int.Parse(v, System.Globalization.CultureInfo.InvariantCulture),
        ["application_name"] = (b, v) => b.ApplicationName = v,
        ["target_session_attrs"] = (b, v) => b.TargetSessionAttributes = v,
        ["options"] = (b, v) => b.Options = v,
        ["gssencmode"] = (b, v) => b.GssEncryptionMode = Enum.Parse<GssEncryptionMode>(v, ignoreCase: true),
    };

    /// <summary>Why an option of the URL cannot be used, or null when all can (never quotes the URL).</summary>
    public static string? OptionProblem(DatabaseUrl url)
    {
        if (url.Engine != DatabaseEngine.PostgreSql)
        {
            return null;
        }
        foreach (var (name, value) in url.Options)
        {
            if (!PostgresOptions.TryGetValue(name, out var apply))
            {
                return $"has an unsupported option '{name}' (supported: {string.Join(", ", PostgresOptions.Keys)})";
            }
            try
            {
                apply(new NpgsqlConnectionStringBuilder(), value);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                return $"has an invalid value for option '{name}'";
            }
        }
        return null;
    }

    /// <summary>
    /// The pool is bounded (DATABASE_POOL_SIZE) so replicas × pool stays under max_connections; a
    /// request that finds it exhausted waits at most <see cref="NpgsqlConnectionStringBuilder.Timeout"/>
    /// and then fails (503), rather than queueing without end.
    /// </summary>
    public static string Postgres(DatabaseUrl url, int maxPoolSize = Settings.ViatiqueSettings.DefaultDatabasePoolSize)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = url.Host,
            Port = url.Port ?? DatabaseUrl.DefaultPostgresPort,
            Database = url.Name,
            Username = url.User,
            Password = url.Password,
            Pooling = true,
            MaxPoolSize = maxPoolSize,
            MinPoolSize = 0,
            ConnectionLifetime = ConnectionLifetimeSeconds,
            // conn_health_checks: idle connections are probed so a dead server is noticed.
            KeepAlive = 30,
            Timeout = 5,
            // A web request's queries take milliseconds; one that hangs this long means the server
            // is frozen (and trips the circuit breaker). Against a frozen server a timed-out command
            // also costs Npgsql's attempt to cancel it on a new connection (up to Timeout): 5 + 5 s
            // bounds what a request caught by a freeze waits, well inside the 30 s request timeout.
            CommandTimeout = CommandTimeoutSeconds,
            // No DISCARD ALL before each reuse (a second round trip per pooled open): nothing here
            // leaves session state on a pooled connection (migrate's advisory lock has its own).
            NoResetOnClose = true,
            // Npgsql 10 tries GSSAPI (Kerberos) session encryption first by default, which needs
            // libgssapi_krb5 (not in the .NET runtime images) and fails and logs on every new
            // connection without it. Password authentication over TLS is what DATABASE_URL carries;
            // `?gssencmode=prefer` turns it back on for a Kerberos set-up.
            GssEncryptionMode = GssEncryptionMode.Disable,
        };
        foreach (var (name, value) in url.Options)
        {
            PostgresOptions[name](builder, value);
        }
        return builder.ConnectionString;
    }

    public static string Sqlite(DatabaseUrl url)
    {
        var path = url.Name;
        if (path != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        return new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ConnectionString;
    }
}
