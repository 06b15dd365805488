using Hangfire;
using Viatique.Api.Auth;

namespace Viatique.Api.Jobs;

public static class JobsEndpoints
{
    /// <summary>The dashboard's scripts and styles are its own files; the API's "default-src 'none'" would blank it.</summary>
    internal const string DashboardContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

    /// <summary>
    /// Hangfire's dashboard at /admin/jobs/, behind our admin policy (401 anonymous, 403 others):
    /// Hangfire's own filter, "local requests only", would let anything through nginx's loopback
    /// hop. Links are relative to the request's path base, so it works behind nginx unchanged.
    /// </summary>
    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        var options = new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [],
            DisplayStorageConnectionString = false,
            AppPath = "/admin/",
            DashboardTitle = "Viatique jobs",
            // For looking, not acting: its buttons (requeue, delete) would need our CSRF header, and a
            // job is retried or removed by its own rules, not by hand.
            IsReadOnlyFunc = _ => true,
        };
        app.MapHangfireDashboard("/admin/jobs", options)
            .RequireAuthorization(AuthExtensions.AdminPolicy)
            .Add(endpoint =>
            {
                var next = endpoint.RequestDelegate!;
                endpoint.RequestDelegate = context =>
                {
                    context.Response.OnStarting(() =>
                    {
                        context.Response.Headers.ContentSecurityPolicy = DashboardContentSecurityPolicy;
                        context.Response.Headers.CacheControl = "no-store";
                        return Task.CompletedTask;
                    });
                    return next(context);
                };
            });
        return app;
    }

    /// <summary>
    /// Job counts on /metrics, read from the storage when Prometheus scrapes (SPEC §5, §8).
    /// A storage that does not answer leaves the previous values and counts the failure.
    /// </summary>
    public static WebApplication UseJobMetrics(this WebApplication app)
    {
        var storage = app.Services.GetRequiredService<JobStorage>();
        var enqueued = Prometheus.Metrics.CreateGauge("viatique_jobs_enqueued", "Jobs waiting in a queue.", "queue");
        var byState = Prometheus.Metrics.CreateGauge("viatique_jobs", "Jobs by state (scheduled, processing, failed, succeeded).", "state");
        var servers = Prometheus.Metrics.CreateGauge("viatique_job_servers", "Job servers (workers and schedulers) registered in the storage.");
        var errors = Prometheus.Metrics.CreateCounter("viatique_job_metrics_errors_total", "Scrapes during which the job storage did not answer.");
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(async cancellationToken =>
        {
            try
            {
                var monitoring = storage.GetMonitoringApi();
                var statistics = await Task.Run(monitoring.GetStatistics, cancellationToken).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
                foreach (var queue in monitoring.Queues())
                {
                    enqueued.WithLabels(queue.Name).Set(queue.Length);
                }
                byState.WithLabels("scheduled").Set(statistics.Scheduled);
                byState.WithLabels("processing").Set(statistics.Processing);
                byState.WithLabels("failed").Set(statistics.Failed);
                byState.WithLabels("succeeded").Set(statistics.Succeeded);
                servers.Set(statistics.Servers);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors.Inc();
            }
        });
        return app;
    }
}
