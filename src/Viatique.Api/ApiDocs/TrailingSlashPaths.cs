using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Viatique.Api.ApiDocs;

/// <summary>
/// The generator writes <c>/api/auth/login</c> for the route <c>/api/auth/login/</c>. The front end
/// (and Django before it) calls the slashed form, so the document keeps each route's own spelling.
/// </summary>
sealed class TrailingSlashPaths : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var slashed =
            from endpoint in context.ApplicationServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            let route = endpoint.RoutePattern.RawText
            where route is { Length: > 1 } && route.EndsWith('/')
            select "/" + route.Trim('/');
        foreach (var path in slashed.Distinct(StringComparer.Ordinal))
        {
            if (document.Paths.Remove(path, out var item))
            {
                document.Paths[path + "/"] = item;
            }
        }
        return Task.CompletedTask;
    }
}
