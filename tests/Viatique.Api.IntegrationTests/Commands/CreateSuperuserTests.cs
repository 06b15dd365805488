using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Commands;

public class CreateSuperuserTests(PostgresServer postgres, RedisServer redis)
{
    [Fact]
    public async Task ReadsThePasswordFromStandardInputAndRefusesAnExistingUser()
    {
        var database = await postgres.CreateDatabaseAsync("superuser");
        var env = TestEnv.Production(postgres, database, redis);
        Assert.Equal(0, (await AppProcess.RunAsync(env, "migrate")).ExitCode);

        await using (var first = AppProcess.Start(env, "createsuperuser --username root --email root@example.com"))
        {
            await first.WriteInputAsync("stdin-Passw0rd-long\n");
            Assert.Equal(0, await first.WaitForExitAsync());
        }
        Assert.Equal(1L, await postgres.ScalarAsync(database,
            "SELECT count(*) FROM \"AspNetUsers\" u JOIN \"AspNetUserRoles\" ur ON ur.\"UserId\" = u.\"Id\" JOIN \"AspNetRoles\" r ON r.\"Id\" = ur.\"RoleId\" WHERE u.\"UserName\" = 'root' AND r.\"Name\" = 'admin'"));
        var hash = (string)(await postgres.ScalarAsync(database, "SELECT \"PasswordHash\" FROM \"AspNetUsers\" WHERE \"UserName\" = 'root'"))!;
        Assert.DoesNotContain("stdin-Passw0rd-long", hash);

        var again = await AppProcess.RunAsync(new Dictionary<string, string>(env) { ["VIATIQUE_SUPERUSER_PASSWORD"] = "other-Passw0rd-long" },
            "createsuperuser --username root --email root@example.com");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Stderr);
    }

    [Fact]
    public async Task WithoutAPasswordItStopsAndSaysWhere()
    {
        var database = await postgres.CreateDatabaseAsync("nopassword");
        var env = TestEnv.Production(postgres, database, redis);
        await using var process = AppProcess.Start(env, "createsuperuser --username root --email root@example.com");
        await process.WriteInputAsync("");

        Assert.Equal(1, await process.WaitForExitAsync());
        Assert.Contains("VIATIQUE_SUPERUSER_PASSWORD", process.Stderr);
    }

    [Fact]
    public async Task APasswordArgumentIsNotAnOption()
    {
        var (exitCode, _, stderr) = await AppProcess.RunAsync(TestEnv.Production(), "createsuperuser --username root --email r@example.com --password secret");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("--password", stderr);
    }
}
