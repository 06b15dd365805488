using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Viatique.Api.Auth;

namespace Viatique.Api.ApiDocs;

/// <summary>
/// The answers every endpoint can give because of the pipeline rather than its own code, read from
/// the endpoint's metadata so that a new endpoint is described the same way without prose:
/// 401 without a session (deny by default), 403 for admin areas and for a failed CSRF check, 400,
/// 413 and 415 for endpoints that read a body, 429 under <c>/api/</c> (rate limits). Problem
/// answers are <c>application/problem+json</c>.
/// </summary>
sealed class StandardResponses : IOpenApiOperationTransformer
{
    const string ProblemSchema = "ProblemDetails";
    static readonly HashSet<string> SafeMethods = new(StringComparer.OrdinalIgnoreCase) { "GET", "HEAD", "OPTIONS", "TRACE" };

    /// <summary>Operations are grouped by feature: the segment after <c>/api/</c>, else the first one.</summary>
    static string Tag(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var name = segments is ["api", var feature, ..] ? feature : segments.FirstOrDefault() ?? "root";
        return name switch
        {
            "auth" => "Authentication",
            "media" => "Media",
            "health" or "metrics" => "Monitoring",
            "admin" => "Administration",
            _ => char.ToUpperInvariant(name[0]) + name[1..],
        };
    }

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var document = context.Document ?? throw new InvalidOperationException("the operation transformer runs without its document");
        if (document.Components?.Schemas?.ContainsKey(ProblemSchema) != true)
        {
            document.AddComponent(ProblemSchema, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken));
        }
        var problem = new OpenApiSchemaReference(ProblemSchema, document);
        var path = "/" + description.RelativePath;
        operation.Tags = new HashSet<OpenApiTagReference> { new(Tag(path), document) };
        operation.Responses ??= [];
        void Answer(int status, string why, IDictionary<string, IOpenApiHeader>? headers = null)
        {
            if (!operation.Responses.ContainsKey(status.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
                {
                    Description = why,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
                    Headers = headers,
                };
            }
        }

        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var unsafeMethod = !SafeMethods.Contains(description.HttpMethod ?? "GET");
        var requirement = new OpenApiSecurityRequirement();
        if (path == "/metrics")
        {
            requirement[new OpenApiSecuritySchemeReference(SessionSecuritySchemes.MetricsToken, document)] = [];
        }
        else if (!anonymous)
        {
            requirement[new OpenApiSecuritySchemeReference(SessionSecuritySchemes.Session, document)] = [];
            Answer(StatusCodes.Status401Unauthorized, "No valid session: sign in with POST /api/auth/login/.");
        }
        if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy == AuthExtensions.AdminPolicy))
        {
            Answer(StatusCodes.Status403Forbidden, "Signed in, but not an admin.");
        }
        if (unsafeMethod)
        {
            requirement[new OpenApiSecuritySchemeReference(SessionSecuritySchemes.Csrf, document)] = [];
            Answer(StatusCodes.Status403Forbidden, "CSRF check failed: X-CSRFToken missing or not the csrftoken cookie, or a foreign Origin/Referer.");
        }
        if (requirement.Count > 0)
        {
            operation.Security = [requirement];
        }
        if (metadata.OfType<IAcceptsMetadata>().Any())
        {
            Answer(StatusCodes.Status400BadRequest, "Malformed body, or a field missing or too long.");
            Answer(StatusCodes.Status413PayloadTooLarge, "Body too large.");
            Answer(StatusCodes.Status415UnsupportedMediaType, "Wrong Content-Type for this endpoint.");
        }
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            Answer(StatusCodes.Status429TooManyRequests, "Rate limited (per client IP, shared by every replica); retry after Retry-After seconds.",
                new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before retrying.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
                });
        }
    }
}
