using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Viatique.Api.Settings;

namespace Viatique.Api.Data;

public static class DataExtensions
{
    // Reads DATABASE_URL (PostgreSQL; SQLite file only in Development), DATABASE_POOL_SIZE and
    // CELERY_BROKER_URL / REDIS_URL (one lazily opened Redis connection for jobs, shared rate limits and health).
    public static IHostApplicationBuilder AddViatiqueData(this IHostApplicationBuilder builder, ViatiqueSettings settings)
    {
        var url = settings.Database
            ?? throw new InvalidOperationException("DATABASE_URL is required here; the rulebook should have refused to start.");
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        if (url.Engine == DatabaseEngine.PostgreSql)
        {
            // One data source (one pool) per process, shared by EF Core, health and metrics.
            // No EF retries: during an outage each retry multiplied a request's wait (4 × the connect
            // timeout); a request fails once, fast, with 503 and Retry-After, and the client retries.
            services.AddSingleton(_ => new NpgsqlDataSourceBuilder(DatabaseConnections.Postgres(url, settings.DatabasePoolSize)).Build());
            services.AddSingleton<DatabaseCircuit>();
            services.AddDbContext<PostgresDbContext>((sp, options) => options
                .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
                .AddInterceptors(sp.GetRequiredService<DatabaseCircuit>())
                // A failed query is reported once, by whoever answers the request (503 as a WARNING,
                // a bug as an ERROR with its stack), not again by EF Core at each layer.
                .ConfigureWarnings(events => events.Log(
                    (RelationalEventId.ConnectionError, LogLevel.Debug),
                    (RelationalEventId.CommandError, LogLevel.Debug),
                    (CoreEventId.QueryIterationFailed, LogLevel.Debug),
                    (CoreEventId.SaveChangesFailed, LogLevel.Debug))),
                // Options built once per process, not once per request scope.
                ServiceLifetime.Scoped, ServiceLifetime.Singleton);
            services.AddScoped<ViatiqueDbContext>(sp => sp.GetRequiredService<PostgresDbContext>());
        }
        else
        {
            var connectionString = DatabaseConnections.Sqlite(url);
            services.AddDbContext<SqliteDbContext>(options => options.UseSqlite(connectionString), ServiceLifetime.Scoped, ServiceLifetime.Singleton);
            services.AddScoped<ViatiqueDbContext>(sp => sp.GetRequiredService<SqliteDbContext>());
        }
        services.AddSingleton<Migrator>();
        if (settings.RedisUrl is { } redis)
        {
            // Built by the container (not handed in) so that the container disposes it at shutdown.
            services.AddSingleton(_ => new RedisConnection(redis));
            services.AddHostedService<RedisConnection.WarmUp>();
        }
        services.AddHostedService<SecretKeySightingRecorder>();
        return builder;
    }
}
