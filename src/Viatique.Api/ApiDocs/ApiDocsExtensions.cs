using Scalar.AspNetCore;
using Viatique.Api.Auth;
using Viatique.Api.Hosting;
using Viatique.Api.Settings;

namespace Viatique.Api.ApiDocs;

/// <summary>
/// The OpenAPI document of the API (ASP.NET Core's own generator) at <c>/openapi/v1.json</c>, for
/// the Vue front end and client generators. Development: anonymous, with a browsable reference page
/// at <c>/scalar/v1</c>. Elsewhere: admins only, and no reference page at all.
/// </summary>
public static class ApiDocsExtensions
{
    public const string DocumentName = "v1";
    public const string DocumentRoute = "/openapi/{documentName}.json";
    public const string ReferenceRoute = "/scalar";

    public static IHostApplicationBuilder AddViatiqueApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer<SessionSecuritySchemes>();
            options.AddDocumentTransformer<TrailingSlashPaths>();
            options.AddOperationTransformer<StandardResponses>();
        });
        return builder;
    }

    public static WebApplication MapApiDocs(this WebApplication app, ViatiqueSettings settings)
    {
        var document = app.MapOpenApi(DocumentRoute).ExcludeFromDescription();
        if (!settings.IsDevelopment)
        {
            // The document maps the whole attack surface: not for anonymous callers in production.
            document.RequireAuthorization(AuthExtensions.AdminPolicy);
            return app;
        }
        document.AllowAnonymous().WithMetadata(new DevelopmentOnlyEndpoint());
        app.MapScalarApiReference(ReferenceRoute, reference => reference
                .WithTitle("Viatique API")
                // Its script is served by the host itself (no CDN), and the page needs a CSP that lets it run.
                .WithBundleUrl(ReferenceRoute + "/scalar.js"))
            .AllowAnonymous()
            .WithMetadata(new DevelopmentOnlyEndpoint())
            .WithSecurityHeadersPolicy(SecurityHeaders.ReferencePagePolicy);
        return app;
    }
}

/// <summary>Marks what only Development maps anonymously (the document and its reference page).</summary>
public sealed class DevelopmentOnlyEndpoint;
