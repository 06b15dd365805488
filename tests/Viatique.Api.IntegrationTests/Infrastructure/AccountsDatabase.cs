using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Viatique.Api.Auth;
using Viatique.Api.Data;
using Viatique.Api.Settings;

namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>
/// A migrated database of its own and its users, created through the host's own code (the
/// migrate verb, createsuperuser, and Identity's UserManager for ordinary users).
/// </summary>
sealed class AccountsDatabase
{
    public const string AdminPassword = "admin-Passw0rd-long";
    public const string UserPassword = "user-Passw0rd-long";

    public required Dictionary<string, string> Env { get; init; }
    public required string Name { get; init; }

    public static async Task<AccountsDatabase> CreateAsync(PostgresServer postgres, RedisServer redis, string prefix, params (string Name, string Value)[] more)
    {
        var name = await postgres.CreateDatabaseAsync(prefix);
        var env = TestEnv.Production(postgres, name, redis, [("TRUSTED_PROXIES", "127.0.0.1"), .. more]);
        var migrate = await AppProcess.RunAsync(env, "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.Stdout + migrate.Stderr);
        var superuser = await AppProcess.RunAsync(new Dictionary<string, string>(env) { ["VIATIQUE_SUPERUSER_PASSWORD"] = AdminPassword },
            "createsuperuser --username admin --email admin@example.com");
        Assert.True(superuser.ExitCode == 0, superuser.Stdout + superuser.Stderr);
        return new AccountsDatabase { Env = env, Name = name };
    }

    /// <summary>
    /// The host's data and auth services in the test process, on this database and its key ring:
    /// a replica without HTTP, for what only code can do (create users, change them through Identity).
    /// </summary>
    public IHost BuildServices()
    {
        var settings = SettingsReader.Read(Env);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(settings);
        builder.AddViatiqueData(settings);
        builder.AddViatiqueAuth(settings);
        return builder.Build();
    }

    public async Task CreateUserAsync(string username, string? email = null, string password = UserPassword)
    {
        using var host = BuildServices();
        await using var scope = host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var result = await users.CreateAsync(new IdentityUser { UserName = username, Email = email ?? $"{username}@example.com" }, password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    /// <summary>A password-reset token for a user, as the e-mail would carry it.</summary>
    public async Task<string> ResetTokenAsync(string username)
    {
        using var host = BuildServices();
        await using var scope = host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = await users.FindByNameAsync(username) ?? throw new InvalidOperationException($"no user {username}");
        return PasswordResetToken.Encode(user.Id, await users.GeneratePasswordResetTokenAsync(user));
    }

    public AppProcess Start(params (string Name, string Value)[] overrides)
    {
        var env = new Dictionary<string, string>(Env);
        foreach (var (name, value) in overrides)
        {
            env[name] = value;
        }
        return AppProcess.Start(env);
    }
}
