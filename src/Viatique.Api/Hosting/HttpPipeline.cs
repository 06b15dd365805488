using Microsoft.AspNetCore.Http.Timeouts;
using Viatique.Api.RateLimiting;
using Viatique.Api.Settings;

namespace Viatique.Api.Hosting;

public static class HttpPipeline
{
    /// <summary>nginx's client_max_body_size 50M, and the media limit.</summary>
    public const long MaxRequestBodyBytes = 50L * 1024 * 1024;

    // Reads ASPNETCORE_URLS (default port 8000: loopback in Development, every interface elsewhere),
    // TRUSTED_PROXIES, ALLOWED_HOSTS, SSL_ENABLED and SECURE_HSTS_*.
    public static IHostApplicationBuilder AddViatiqueHttp(this WebApplicationBuilder builder, ViatiqueSettings settings)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(settings.IsDevelopment ? "http://localhost:8000" : "http://0.0.0.0:8000");
        }

        // gunicorn parity (rulebook §3.2): limit_request_line 4094, limit_request_fields 100,
        // worker_connections 1000, timeout 30; nginx's client_max_body_size 50M.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestLineSize = 4094;
            kestrel.Limits.MaxRequestHeaderCount = 100;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            kestrel.Limits.MaxConcurrentConnections = 1000;
            kestrel.Limits.MaxConcurrentUpgradedConnections = 1000;
        });
        // SIGTERM: stop accepting, let in-flight requests finish for up to 30 s, exit 0.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddRequestTimeouts(timeouts => timeouts.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = TimeSpan.FromSeconds(30),
            TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
        });

        var proxies = new TrustedProxies(settings.TrustedProxies);
        builder.Services.AddSingleton(proxies);
        builder.Services.Configure<ForwardedHeadersOptions>(proxies.Configure);
        builder.Services.AddSingleton(new AllowedHosts(settings));
        builder.Services.AddHttpsRedirection(https =>
        {
            https.RedirectStatusCode = StatusCodes.Status308PermanentRedirect;
            https.HttpsPort = 443;
        });
        builder.Services.AddHsts(hsts =>
        {
            hsts.MaxAge = TimeSpan.FromSeconds(settings.HstsSeconds);
            hsts.IncludeSubDomains = settings.HstsIncludeSubdomains;
            hsts.Preload = settings.HstsPreload;
            // Behind nginx every host is a real one; nothing is exempt.
            hsts.ExcludedHosts.Clear();
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddSecurityHeaderPolicies(policies => policies
            .SetDefaultPolicy(SecurityHeaders.Policies())
            .AddPolicy(SecurityHeaders.ReferencePagePolicy, SecurityHeaders.ReferencePage()));
        builder.Services.AddExceptionHandler<KnownFailureHandler>();
        return builder;
    }

    /// <summary>The request pipeline, in order; each step says why it stands where it does.</summary>
    public static WebApplication UseViatiqueHttp(this WebApplication app, ViatiqueSettings settings)
    {
        // 1. Proxy: report ignored X-Forwarded-* from untrusted peers, then believe the trusted
        //    ones, before anything reads the client IP or the scheme.
        app.UseMiddleware<UntrustedForwardedHeaders>();
        app.UseForwardedHeaders();
        // 2. Request id and access log: every later line of the request carries the id.
        app.UseMiddleware<RequestLogging>();
        // 3. Security headers, early, so that 400, 413, redirects and errors carry them too.
        //    An endpoint may name another policy (Development's API reference page does).
        app.UseSecurityHeaders();
        // 4. Errors become problem+json; exception text only reaches the log.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // 5. Cheap refusals before any work: oversized bodies, then unknown hosts (monitoring excepted).
        app.UseMiddleware<BodySizeLimit>();
        app.UseMiddleware<HostFiltering>();
        // 6. HTTPS: redirect plain HTTP (monitoring excepted: container probes and Prometheus speak
        //    plain HTTP to the backend directly), HSTS on HTTPS.
        if (settings.SslEnabled)
        {
            app.UseWhen(context => !IsMonitoring(context), https => https.UseHttpsRedirection());
        }
        if (settings.HstsSeconds > 0)
        {
            app.UseHsts();
        }
        // 7. Routing, then what needs the endpoint: the 30 s request timeout and the rate limits.
        app.UseRouting();
        app.UseRequestTimeouts();
        app.UseViatiqueRateLimits();
        return app;
    }

    /// <summary>
    /// Health and metrics answer whatever the Host and scheme: probes reach the backend directly
    /// (Host: localhost, backend:8000) over plain HTTP. /metrics has its own bearer token and
    /// nginx never routes it.
    /// </summary>
    public static bool IsMonitoring(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics");
}
