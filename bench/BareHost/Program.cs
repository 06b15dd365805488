var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/health/live/", () => TypedResults.Ok(new Live("alive")));
app.Run();

sealed record Live(string Status);
