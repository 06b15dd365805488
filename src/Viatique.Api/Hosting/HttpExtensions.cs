using Viatique.Api.Settings;

namespace Viatique.Api.Hosting;

public static class HttpExtensions
{
    // Reads ASPNETCORE_URLS (default: port 8000, loopback in Development, every interface elsewhere).
    public static IHostApplicationBuilder AddViatiqueHttp(this WebApplicationBuilder builder, ViatiqueSettings settings)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls(settings.IsDevelopment ? "http://localhost:8000" : "http://0.0.0.0:8000");
        }
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.AddProblemDetails();
        return builder;
    }

    /// <summary>The request pipeline, in order; each step says why it stands where it does.</summary>
    public static WebApplication UseViatiqueHttp(this WebApplication app)
    {
        // First, so every later line of the request (and an unhandled exception) carries the request id.
        app.UseMiddleware<RequestLogging>();
        // Errors become problem+json; exception text only reaches the log.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Explicit, so that what follows (metrics, later host filtering and limits) sees the endpoint.
        app.UseRouting();
        return app;
    }
}
