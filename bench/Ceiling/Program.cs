using System.Globalization;
using Npgsql;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

// CEILING_DATABASE carries the host's own pool settings (DatabaseConnections.Postgres).
// /select1/ is the ceiling: exactly one statement per request, so Npgsql's reset on close (a
// DISCARD ALL prepended to the next use of a pooled connection) is off. /select1-reset/ keeps
// Npgsql's default, as the host has it, to show what that reset costs on its own.
var connectionString = Environment.GetEnvironmentVariable("CEILING_DATABASE");
await using var oneStatement = connectionString is null ? null
    : new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString).Build();
await using var withReset = connectionString is null ? null : new NpgsqlDataSourceBuilder(connectionString).Build();

app.MapGet("/bare/", () => TypedResults.Ok(new Status("ok")));
app.MapGet("/select1/", (CancellationToken cancellationToken) => SelectOneAsync(oneStatement, cancellationToken));
app.MapGet("/select1-reset/", (CancellationToken cancellationToken) => SelectOneAsync(withReset, cancellationToken));
app.Run();

static async Task<Status> SelectOneAsync(NpgsqlDataSource? database, CancellationToken cancellationToken)
{
    // One pooled connection per request, opened and closed, as EF Core and the health probe use it.
    await using var connection = await (database ?? throw new InvalidOperationException("CEILING_DATABASE is not set")).OpenConnectionAsync(cancellationToken);
    await using var command = new NpgsqlCommand("SELECT 1", connection);
    var one = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    return new Status(one == 1 ? "ok" : "wrong");
}

sealed record Status(string Value);
