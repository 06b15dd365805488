using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Viatique.Api.Auth;
using Viatique.Api.Data;
using Viatique.Api.Settings;

namespace Viatique.Api.Admin;

/// <summary>The operator area: admin role only (401 anonymous, 403 for other users).</summary>
public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").RequireAuthorization(AuthExtensions.AdminPolicy);
        admin.MapGet("/", OverviewAsync);
        return app;
    }

    public sealed record Overview(string Environment, string Version, int Users, int Admins, int LockedOut, int ActiveSessions, int MediaFiles, long MediaBytes, string[] PendingMigrations);

    static async Task<Ok<Overview>> OverviewAsync(ViatiqueDbContext db, ViatiqueSettings settings, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var nowUtc = now.UtcDateTime;
        var adminRole = await db.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).SingleOrDefaultAsync();
        var lockoutEnds = await db.Users.Where(u => u.LockoutEnd != null).Select(u => u.LockoutEnd).ToListAsync();
        return TypedResults.Ok(new Overview(
            settings.Environment.ToString(),
            typeof(AdminEndpoints).Assembly.GetName().Version?.ToString() ?? "unknown",
            await db.Users.CountAsync(),
            adminRole is null ? 0 : await db.UserRoles.CountAsync(r => r.RoleId == adminRole),
            lockoutEnds.Count(end => end > now),
            await db.Sessions.CountAsync(s => s.ExpiresAt > nowUtc),
            await db.MediaFiles.CountAsync(),
            await db.MediaFiles.SumAsync(f => (long?)f.Size) ?? 0,
            [.. await Migrator.PendingAsync(db, CancellationToken.None)]));
    }
}
