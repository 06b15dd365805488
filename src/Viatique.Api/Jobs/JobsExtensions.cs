using Hangfire;
using Hangfire.Redis.StackExchange;
using Viatique.Api.Auth;
using Viatique.Api.Data;
using Viatique.Api.Settings;

namespace Viatique.Api.Jobs;

public static class JobsExtensions
{
    /// <summary>Our keys in Redis; the braces keep them in one hash slot, as Hangfire's own prefix does.</summary>
    public const string RedisPrefix = "{viatique-jobs}:";

    // Reads CELERY_BROKER_URL / REDIS_URL (job storage, its database number honoured) outside
    // Development; Development keeps jobs in memory in its one process.
    public static IHostApplicationBuilder AddViatiqueJobs(this IHostApplicationBuilder builder, ViatiqueSettings settings, JobRole role)
    {
        var services = builder.Services;
        services.AddHangfire((provider, configuration) => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(CreateStorage(settings, provider)));
        // A Redis blip (a reconnect) costs a few quick retries (0, 50, 100 ms) before a caller sees an error.
        services.AddSingleton<IBackgroundJobClient>(provider => new BackgroundJobClient(provider.GetRequiredService<JobStorage>()) { RetryAttempts = 3 });
        services.AddScoped<PasswordResetJob>();
        services.AddScoped<MaintenanceJobs>();
        services.AddScoped<ProbeJob>();

        if (role is JobRole.Worker or JobRole.Scheduler)
        {
            // SIGTERM: Hangfire first lets running jobs finish, then hands them back; the host waits longer.
            services.Configure<HostOptions>(host => host.ShutdownTimeout = JobTimings.HostShutdownTimeout);
        }
        if (role is not JobRole.Web)
        {
            services.AddSingleton(new JobServerIdentity(role));
            services.AddHostedService<JobServer>();
        }
        if (role is JobRole.Scheduler or JobRole.All)
        {
            services.AddHostedService<RecurringJobRegistration>();
        }
        return builder;
    }

    /// <summary>Redis shared by every role outside Development; memory inside Development's one process.</summary>
    static JobStorage CreateStorage(ViatiqueSettings settings, IServiceProvider provider)
    {
        if (settings.IsDevelopment || settings.RedisUrl is null)
        {
            return new Hangfire.InMemory.InMemoryStorage();
        }
        // The process's one Redis connection; it reconnects by itself while Redis is away.
        return RedisStorageOn(provider.GetRequiredService<RedisConnection>().GetAsync().GetAwaiter().GetResult(), settings.RedisUrl);
    }

    /// <summary>The job storage in Redis as every role sees it: the URL's database, our prefix, our timings.</summary>
    public static RedisStorage RedisStorageOn(StackExchange.Redis.IConnectionMultiplexer redis, string redisUrl) =>
        new(redis, new RedisStorageOptions
        {
            Db = RedisConnection.Options(redisUrl).DefaultDatabase ?? 0,
            Prefix = RedisPrefix,
            InvisibilityTimeout = JobTimings.InvisibilityTimeout,
        });
}
