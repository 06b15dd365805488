using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Npgsql;
using Viatique.Api.Data;
using Viatique.Api.Settings;

namespace Viatique.Api.Auth;

public static class AuthExtensions
{
    public const string AdminPolicy = "admin";

    // Reads SECRET_KEY and SECRET_KEY_FALLBACKS (key ring), SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE,
    // CSRF_TRUSTED_ORIGINS and PASSWORD_RESET_TIMEOUT.
    public static IHostApplicationBuilder AddViatiqueAuth(this IHostApplicationBuilder builder, ViatiqueSettings settings)
    {
        var services = builder.Services;

        // One key ring for every replica, in the database, encrypted with SECRET_KEY. Development's
        // ephemeral key (VIQ-W001) keeps its ring in memory: nothing would read it after a restart.
        var protection = services.AddDataProtection().SetApplicationName("viatique");
        if (settings.SecretKeyIsEphemeral)
        {
            protection.UseEphemeralDataProtectionProvider();
        }
        else
        {
            if (settings.Database?.Engine == DatabaseEngine.PostgreSql)
            {
                services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((keys, database) => keys.XmlRepository = new PostgresKeyRepository(database));
            }
            else
            {
                protection.PersistKeysToDbContext<ViatiqueDbContext>();
            }
            services.Configure<KeyManagementOptions>(keys => keys.XmlEncryptor = new SecretKeyXmlEncryptor(settings.SecretKey!));
            services.AddOptions<KeyManagementOptions>().PostConfigure<ILoggerFactory>((keys, loggers) =>
                keys.XmlRepository = new ReadableKeysOnly(keys.XmlRepository!, settings, loggers.CreateLogger(Logging.LoggerNames.Security)));
        }

        services.AddIdentityCore<IdentityUser>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                identity.Password.RequiredLength = 10;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequireUppercase = false;
                identity.Lockout.MaxFailedAccessAttempts = 5;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                identity.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddUserManager<ViatiqueUserManager>()
            .AddEntityFrameworkStores<ViatiqueDbContext>()
            .AddDefaultTokenProviders();
        services.Configure<DataProtectionTokenProviderOptions>(tokens => tokens.TokenLifespan = settings.PasswordResetTimeout);

        services.AddSingleton<DatabaseTicketStore>();
        services.AddSingleton<SessionValidator>();
        services.AddSingleton(sp => new LoginLockout(sp.GetRequiredService<TimeProvider>(), sp.GetService<RedisConnection>()));
        services.AddAuthentication(IdentityConstants.ApplicationScheme)
            .AddCookie(IdentityConstants.ApplicationScheme, cookie =>
            {
                cookie.Cookie.Name = SessionAuthentication.CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = settings.SessionCookieSecure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = DatabaseTicketStore.DefaultLifetime;
                cookie.SlidingExpiration = true;
                // An API answers 401/403; it never redirects to a login page.
                cookie.Events.OnRedirectToLogin = context => Status(context.Response, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => Status(context.Response, StatusCodes.Status403Forbidden);
                // Sessions follow the user: deleted, locked, demoted or re-keyed users lose them.
                cookie.Events.OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<SessionValidator>().ValidateAsync(context);
            });
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<DatabaseTicketStore>((cookie, store) => cookie.SessionStore = store);

        // Deny by default: every endpoint needs a signed-in user unless it says AllowAnonymous.
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AdminPolicy, policy => policy.RequireRole(Roles.Admin));

        services.AddSingleton<CsrfTokens>();
        return builder;
    }

    /// <summary>
    /// Routing's own 404/405/415 first (nothing to authenticate), then who is calling (never for
    /// health), then CSRF for unsafe methods, then whether they may.
    /// </summary>
    public static WebApplication UseViatiqueAuth(this WebApplication app)
    {
        app.UseMiddleware<UnmatchedRequests>();
        app.UseMiddleware<SessionAuthentication>();
        // SessionAuthentication replaces UseAuthentication(); this is the key UseAuthentication()
        // sets, without which WebApplication adds its own authentication step at the very front of
        // the pipeline (before health's exemption and the error handler).
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        app.UseMiddleware<CsrfProtection>();
        app.UseAuthorization();
        return app;
    }

    static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}
