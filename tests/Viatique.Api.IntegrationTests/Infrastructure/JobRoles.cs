using Hangfire;
using Hangfire.Redis.StackExchange;
using StackExchange.Redis;
using Viatique.Api.Jobs;

namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// Background roles as real processes. Each test class gets a Redis database of its own (the
/// job storage honours the URL's number), so no worker ever picks another test's jobs.
/// </summary>
static class JobRoles
{
    /// <summary>Starts <c>worker</c> or <c>scheduler</c> with its own temporary directory (where it names its server for healthcheck).</summary>
    public static AppProcess Start(Dictionary<string, string> env, string role)
    {
        var tmp = Directory.CreateTempSubdirectory($"viatique-{role}-").FullName;
        return AppProcess.Start(new Dictionary<string, string>(env) { ["TMPDIR"] = tmp }, role);
    }

    /// <summary>The same job storage the roles use, for a test to enqueue or schedule jobs directly.</summary>
    public static (RedisStorage Storage, IConnectionMultiplexer Redis) Storage(RedisServer redis, int database)
    {
        var multiplexer = ConnectionMultiplexer.Connect($"127.0.0.1:{redis.Port},password={redis.Password},defaultDatabase={database}");
        return (JobsExtensions.RedisStorageOn(multiplexer, redis.Url(database)), multiplexer);
    }

    public static BackgroundJobClient Client(JobStorage storage) => new(storage);

    /// <summary>The Hangfire serializer settings the roles use, so jobs written here read the same there.</summary>
    public static void ConfigureSerializer() => GlobalConfiguration.Configuration
        .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
        .UseSimpleAssemblyNameTypeSerializer()
        .UseRecommendedSerializerSettings();
}
