namespace Viatique.Api.Hosting;

/// <summary>
/// Bodies are small except uploads: 64 KiB for JSON and anything else, 50 MB for the media upload.
/// A declared body over its limit is refused with 413 before any endpoint runs; an undeclared
/// (chunked) small body is read here, at most one byte past the limit, so no endpoint ever holds
/// more than 64 KiB of an anonymous caller's JSON in memory.
/// </summary>
public sealed class BodySizeLimit(RequestDelegate next)
{
    /// <summary>SPEC §6: JSON bodies are small.</summary>
    public const int MaxSmallBodyBytes = 64 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        var limit = IsUpload(context.Request) ? HttpPipeline.MaxRequestBodyBytes : MaxSmallBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await TooLargeAsync(context);
            return;
        }
        if (limit == MaxSmallBodyBytes && context.Request.ContentLength is null
            && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    await TooLargeAsync(context);
                    return;
                }
                buffer.Write(chunk, 0, read);
            }
            buffer.Position = 0;
            context.Request.Body = buffer;
            context.Request.ContentLength = buffer.Length;
        }
        await next(context);
    }

    static bool IsUpload(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments("/api/media");

    static Task TooLargeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.Headers.Connection = "close";
        return Task.CompletedTask;
    }
}
