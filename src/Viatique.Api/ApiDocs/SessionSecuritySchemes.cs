using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Viatique.Api.ApiDocs;

/// <summary>
/// The document's header: what the API is and how a client authenticates — the <c>sessionid</c>
/// cookie from <c>POST /api/auth/login/</c>, and for unsafe methods the <c>X-CSRFToken</c> header
/// echoing the <c>csrftoken</c> cookie from <c>GET /api/auth/csrf/</c> (Django's contract).
/// </summary>
sealed class SessionSecuritySchemes : IOpenApiDocumentTransformer
{
    public const string Session = "sessionCookie";
    public const string Csrf = "csrfHeader";
    public const string MetricsToken = "metricsToken";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Viatique API",
            Version = DocumentName(),
            Description = "Session API for the Viatique front end. Sign in with POST /api/auth/login/ (after GET /api/auth/csrf/); "
                + "the sessionid cookie authenticates later requests, and every POST, PUT, PATCH and DELETE carries X-CSRFToken "
                + "with the value of the csrftoken cookie. Errors are application/problem+json.",
        };
        document.AddComponent(Session, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = "sessionid",
            Description = "Set by POST /api/auth/login/ (HttpOnly; Secure and SameSite=Lax outside Development).",
        });
        document.AddComponent(Csrf, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-CSRFToken",
            Description = "The value of the csrftoken cookie set by GET /api/auth/csrf/; required on every unsafe method, login included.",
        });
        document.AddComponent(MetricsToken, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "GET /metrics only: Authorization: Bearer $METRICS_TOKEN.",
        });
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = "Authentication", Description = "CSRF token, login, logout, the current user, password reset." },
            new() { Name = "Media", Description = "The caller's uploaded files (served by nginx under /media/)." },
            new() { Name = "Administration", Description = "The operator area: admin role only." },
            new() { Name = "Monitoring", Description = "Health for monitors and probes; /metrics with its bearer token." },
        };
        return Task.CompletedTask;
    }

    static string DocumentName() => typeof(SessionSecuritySchemes).Assembly.GetName().Version?.ToString(3) ?? ApiDocsExtensions.DocumentName;
}
