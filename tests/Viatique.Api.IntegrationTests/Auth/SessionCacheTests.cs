using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Viatique.Api.Auth;
using Viatique.Api.IntegrationTests.Infrastructure;

namespace Viatique.Api.IntegrationTests.Auth;

/// <summary>
/// Sessions and users are cached in each process (issue 11), and SPEC §6 still holds across two
/// replicas sharing one database: logout, password reset, role change, lockout and deletion take
/// effect at once on the replica that made the change, and within 60 s on the other.
/// </summary>
public class SessionCacheTests(PostgresServer postgres, SessionCacheTests.TwoReplicas replicas) : IClassFixture<SessionCacheTests.TwoReplicas>
{
    /// <summary>Two replicas on one database, for the whole class: each test has users of its own.</summary>
    public sealed class TwoReplicas(PostgresServer postgres, RedisServer redis) : AccountsHosts(postgres, redis)
    {
        protected override string Prefix => "replicas";
        protected override string[] Users => ["lou", "rita", "rob", "lee", "dan", "ida", "ivo", "ike", "meg"];
        protected override int Replicas => 2;
        protected override string Seed => """
            INSERT INTO "AspNetUserRoles" ("UserId", "RoleId")
            SELECT u."Id", r."Id" FROM "AspNetUsers" u, "AspNetRoles" r WHERE u."UserName" IN ('rob', 'ida') AND r."Name" = 'admin'
            """;
    }

    static readonly TimeSpan Everywhere = TimeSpan.FromSeconds(60);

    readonly AccountsDatabase _db = replicas.Db;
    readonly AppProcess _a = replicas.Hosts[0];
    readonly AppProcess _b = replicas.Hosts[1];

    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Logs in on replica A; returns A's browser and a browser on B carrying the same session cookie, both seen working.</summary>
    async Task<(BrowserClient OnA, BrowserClient OnB)> SignedInOnBothAsync(string username)
    {
        var onA = new BrowserClient(_a);
        Assert.Equal(HttpStatusCode.OK, await onA.LoginAsync(username, AccountsDatabase.UserPassword));
        var onB = CarryingSessionOf(onA, _b);
        // Both replicas have now read (and cached) the session and the user.
        Assert.Equal(HttpStatusCode.OK, await onA.MeStatusAsync());
        Assert.Equal(HttpStatusCode.OK, await onB.MeStatusAsync());
        return (onA, onB);
    }

    static BrowserClient CarryingSessionOf(BrowserClient browser, AppProcess app)
    {
        var copy = new BrowserClient(app);
        copy.SetCookie("sessionid", browser.Cookie("sessionid")!);
        return copy;
    }

    static async Task<TimeSpan> UntilRefusedAsync(Func<Task<HttpStatusCode>> request, HttpStatusCode refused = HttpStatusCode.Unauthorized)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Everywhere + TimeSpan.FromSeconds(5))
        {
            if (await request() == refused)
            {
                return clock.Elapsed;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), Token);
        }
        return TimeSpan.MaxValue;
    }

    [Fact]
    public async Task LogoutEndsTheSessionAtOnceOnItsReplicaAndWithinSixtySecondsOnTheOther()
    {
        var (onA, onB) = await SignedInOnBothAsync("lou");
        using var replayOnA = CarryingSessionOf(onA, _a);

        using (var logout = await onA.SendAsync(HttpMethod.Post, "/api/auth/logout/"))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        // The cookie replayed on the replica that logged out opens nothing, from the next request on.
        Assert.Equal(HttpStatusCode.Unauthorized, await replayOnA.MeStatusAsync());
        Assert.True(await UntilRefusedAsync(onB.MeStatusAsync) <= Everywhere, "replica B still accepts the logged-out session after 60 s");
        onA.Dispose();
        onB.Dispose();
    }

    [Fact]
    public async Task PasswordResetEndsEverySessionAtOnceOnItsReplicaAndWithinSixtySecondsOnTheOther()
    {
        var (onA, onB) = await SignedInOnBothAsync("rita");
        using var second = new BrowserClient(_a);
        Assert.Equal(HttpStatusCode.OK, await second.LoginAsync("rita", AccountsDatabase.UserPassword));

        using var anonymous = new BrowserClient(_a);
        await anonymous.FetchCsrfAsync();
        using (var confirm = await anonymous.PostJsonAsync("/api/auth/password-reset/confirm/",
            new { token = await _db.ResetTokenAsync("rita"), password = "brand-new-Passw0rd" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, confirm.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await onA.MeStatusAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, await second.MeStatusAsync());
        Assert.True(await UntilRefusedAsync(onB.MeStatusAsync) <= Everywhere, "replica B still accepts a session from before the password reset after 60 s");
        onA.Dispose();
        onB.Dispose();
    }

    [Fact]
    public async Task RoleChangeLockoutAndDeletionByAnOperatorReachBothReplicasWithinSixtySeconds()
    {
        var (robOnA, robOnB) = await SignedInOnBothAsync("rob");
        var (leeOnA, leeOnB) = await SignedInOnBothAsync("lee");
        var (danOnA, danOnB) = await SignedInOnBothAsync("dan");
        using (var admin = await robOnB.GetAsync("/admin/"))
        {
            Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        }

        // Neither replica makes these changes: SQL, a command, a third replica.
        await postgres.ExecuteAsync(_db.Name, """DELETE FROM "AspNetUserRoles" WHERE "UserId" = (SELECT "Id" FROM "AspNetUsers" WHERE "UserName" = 'rob')""");
        await postgres.ExecuteAsync(_db.Name, """UPDATE "AspNetUsers" SET "LockoutEnd" = now() + interval '1 day' WHERE "UserName" = 'lee'""");
        await postgres.ExecuteAsync(_db.Name, """DELETE FROM "AspNetUsers" WHERE "UserName" = 'dan'""");

        async Task<HttpStatusCode> AdminStatus(BrowserClient browser)
        {
            using var response = await browser.GetAsync("/admin/");
            return response.StatusCode;
        }
        var waits = await Task.WhenAll(
            UntilRefusedAsync(() => AdminStatus(robOnA)), UntilRefusedAsync(() => AdminStatus(robOnB)),
            UntilRefusedAsync(leeOnA.MeStatusAsync), UntilRefusedAsync(leeOnB.MeStatusAsync),
            UntilRefusedAsync(danOnA.MeStatusAsync), UntilRefusedAsync(danOnB.MeStatusAsync));
        Assert.All(waits, wait => Assert.True(wait <= Everywhere, $"a change still not applied after 60 s: {string.Join(", ", waits)}"));
        foreach (var browser in new[] { robOnA, robOnB, leeOnA, leeOnB, danOnA, danOnB })
        {
            browser.Dispose();
        }
    }

    /// <summary>
    /// The replica that changes a user through Identity (here the test process, with the host's own
    /// services on the same database) applies the change to that user's sessions at once.
    /// </summary>
    [Fact]
    public async Task ChangesMadeThroughIdentityApplyAtOnceInTheProcessThatMadeThem()
    {
        using var host = _db.BuildServices();
        var validator = host.Services.GetRequiredService<SessionValidator>();
        await using var scope = host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var ida = (await users.FindByNameAsync("ida"))!;
        var ivo = (await users.FindByNameAsync("ivo"))!;
        var ike = (await users.FindByNameAsync("ike"))!;
        var now = DateTimeOffset.UtcNow;
        ClaimsPrincipal SessionOf(IdentityUser user, params string[] roles) => new(new ClaimsIdentity(
            [new(ClaimTypes.NameIdentifier, user.Id), SessionValidator.StampClaimOf(user.SecurityStamp), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], "test"));
        var idaSession = SessionOf(ida, Roles.Admin);
        var ivoSession = SessionOf(ivo);
        var ikeSession = SessionOf(ike);
        Assert.Null(SessionValidator.WhyEnded(idaSession, await validator.CurrentAsync(ida.Id), now));
        Assert.Null(SessionValidator.WhyEnded(ivoSession, await validator.CurrentAsync(ivo.Id), now));
        Assert.Null(SessionValidator.WhyEnded(ikeSession, await validator.CurrentAsync(ike.Id), now));

        Assert.True((await users.RemoveFromRoleAsync(ida, Roles.Admin)).Succeeded);
        Assert.True((await users.SetLockoutEndDateAsync(ivo, now.AddDays(1))).Succeeded);
        Assert.True((await users.DeleteAsync(ike)).Succeeded);

        // No wait: the very next look at each user sees the change.
        Assert.Equal("roles changed", SessionValidator.WhyEnded(idaSession, await validator.CurrentAsync(ida.Id), now));
        Assert.Equal("user locked", SessionValidator.WhyEnded(ivoSession, await validator.CurrentAsync(ivo.Id), now));
        Assert.Equal("user deleted", SessionValidator.WhyEnded(ikeSession, await validator.CurrentAsync(ike.Id), now));
    }

    [Fact]
    public async Task MeAnswersFromTheCacheWithTheUsersCurrentDetails()
    {
        var (onA, onB) = await SignedInOnBothAsync("meg");
        using var me = await onB.GetAsync("/api/auth/me/");
        var body = await me.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal("meg", body.GetProperty("username").GetString());
        Assert.Equal("meg@example.com", body.GetProperty("email").GetString());
        Assert.False(body.GetProperty("isAdmin").GetBoolean());
        onA.Dispose();
        onB.Dispose();
    }
}
