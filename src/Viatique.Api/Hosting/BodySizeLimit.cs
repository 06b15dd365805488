namespace Viatique.Api.Hosting;

/// <summary>
/// A declared body over the limit is refused with 413 before any endpoint runs, whether or not it
/// would read the body; a chunked body is cut by Kestrel's own limit when read.
/// </summary>
public sealed class BodySizeLimit(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > HttpPipeline.MaxRequestBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            context.Response.Headers.Connection = "close";
            return Task.CompletedTask;
        }
        return next(context);
    }
}
