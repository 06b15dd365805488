using System.CommandLine;
using Microsoft.AspNetCore.Identity;
using Viatique.Api.Auth;
using Viatique.Api.Logging;

namespace Viatique.Api.Commands;

/// <summary>
/// <c>createsuperuser</c> (an admin) and <c>createuser</c> (an ordinary user), without prompts.
/// The password comes from VIATIQUE_SUPERUSER_PASSWORD or standard input, never from an argument
/// (arguments show in `ps` and shell history).
/// </summary>
static class CreateUserCommand
{
    public const string PasswordVariable = "VIATIQUE_SUPERUSER_PASSWORD";

    static readonly Option<string> Username = new("--username") { Description = "The user's username.", Required = true };
    static readonly Option<string> Email = new("--email") { Description = "The user's e-mail address.", Required = true };

    public static Command Create(bool admin)
    {
        var verb = admin ? "createsuperuser" : "createuser";
        var command = new Command(verb, $"Create {(admin ? "an admin" : "an ordinary")} user; the password is read from {PasswordVariable} or standard input.")
        {
            Username, Email,
        };
        command.SetAction((parse, _) => RunAsync(verb, admin, parse.GetValue(Username)!, parse.GetValue(Email)!));
        return command;
    }

    static async Task<int> RunAsync(string verb, bool admin, string username, string email)
    {
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(password))
        {
            password = Console.IsInputRedirected ? (await Console.In.ReadLineAsync())?.TrimEnd('\r', '\n') : null;
        }
        if (string.IsNullOrEmpty(password))
        {
            await Console.Error.WriteLineAsync($"{verb}: no password: set {PasswordVariable} or pipe it on standard input.");
            return ExitCodes.Failure;
        }

        var (builder, _) = ViatiqueApp.CreateWithoutHttp();
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerNames.Security);

        if (await users.FindByNameAsync(username) is not null)
        {
            await Console.Error.WriteLineAsync($"{verb}: the user '{username}' already exists; nothing changed.");
            return ExitCodes.Failure;
        }
        if (admin && !await roles.RoleExistsAsync(Roles.Admin))
        {
            await roles.CreateAsync(new IdentityRole(Roles.Admin));
        }
        var user = new IdentityUser { UserName = username, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            await Console.Error.WriteLineAsync($"{verb}: {string.Join(" ", created.Errors.Select(e => e.Description))}");
            return ExitCodes.Failure;
        }
        var promoted = admin ? await users.AddToRoleAsync(user, Roles.Admin) : IdentityResult.Success;
        if (!promoted.Succeeded)
        {
            // No half-made admin: an ordinary user left behind would be a surprise.
            await users.DeleteAsync(user);
            await Console.Error.WriteLineAsync($"{verb}: {string.Join(" ", promoted.Errors.Select(e => e.Description))}");
            return ExitCodes.Failure;
        }
        if (admin)
        {
            logger.LogWarning("Superuser {username} created", username);
        }
        else
        {
            logger.LogInformation("User {username} created", username);
        }
        await Console.Out.WriteLineAsync($"{(admin ? "Superuser" : "User")} '{username}' created.");
        return ExitCodes.Ok;
    }
}
