using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Viatique.Api.Data;
using Viatique.Api.IntegrationTests.Infrastructure;
using Viatique.Api.Settings;

namespace Viatique.Api.IntegrationTests.Settings;

/// <summary>Replicas starting together on a new SECRET_KEY all record its sighting at the same moment.</summary>
public class SecretKeySightingTests(PostgresServer postgres, RedisServer redis)
{
    [Fact]
    public async Task ReplicasRecordingANewKeyTogetherAgreeAndLeaveNoErrorInTheDatabaseLog()
    {
        var database = await postgres.CreateDatabaseAsync("sightings");
        var (exitCode, stdout, stderr) = await AppProcess.RunAsync(TestEnv.Production(postgres, database, redis), "migrate");
        Assert.True(exitCode == 0, $"migrate: exit {exitCode}\n{stdout}\n{stderr}");
        var options = new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(postgres.ConnectionString(database)).Options;
        var keys = Enumerable.Range(0, 5).Select(_ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))).ToList();

        foreach (var key in keys)
        {
            // Eight replicas, each with its own open connection, all sending at once.
            var replicas = new List<PostgresDbContext>();
            try
            {
                for (var i = 0; i < 8; i++)
                {
                    var db = new PostgresDbContext(options);
                    replicas.Add(db);
                    await db.Database.OpenConnectionAsync(Token);
                }
                var firstSeen = await Task.WhenAll(replicas.Select((db, i) =>
                    SecretKeySighting.RecordAsync(db, key, DateTimeOffset.UtcNow.AddMilliseconds(i), Token)));
                Assert.Single(firstSeen.Distinct());
            }
            finally
            {
                foreach (var db in replicas)
                {
                    await db.DisposeAsync();
                }
            }
        }

        Assert.Equal((long)keys.Count, await postgres.ScalarAsync(database, "SELECT count(*) FROM secret_key_sightings"));
        var fingerprints = keys.Select(SecretKeySighting.FingerprintOf).ToList();
        Assert.DoesNotContain(postgres.Log.Split('\n'), line => fingerprints.Any(line.Contains));
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;
}
