using System.Text.Json;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Viatique.Api.Logging;

namespace Viatique.Api.Tests.Logging;

public class JsonLogFormatterTests
{
    sealed class Capture(JsonLogFormatter formatter) : ILogEventSink
    {
        public readonly StringWriter Output = new();
        public void Emit(LogEvent logEvent) => formatter.Format(logEvent, Output);
    }

    static JsonElement Log(Action<ILogger> write, params string[] secrets)
    {
        var sink = new Capture(new JsonLogFormatter(new SecretRedactor(secrets)));
        using (var logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger())
        {
            write(logger);
        }
        var line = Assert.Single(sink.Output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    [Fact]
    public void WritesTheRulebookFieldsAndStructuredProperties()
    {
        var line = Log(l => l.ForContext(Constants.SourceContextPropertyName, "viatique.access")
            .Information("{method} {path} {status}", "GET", "/health/", 200));

        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", line.GetProperty("asctime").GetString());
        Assert.Equal("viatique.access", line.GetProperty("name").GetString());
        Assert.Equal("INFO", line.GetProperty("levelname").GetString());
        Assert.Equal("GET /health/ 200", line.GetProperty("message").GetString());
        Assert.Equal(200, line.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData(LogEventLevel.Debug, "DEBUG")]
    [InlineData(LogEventLevel.Warning, "WARNING")]
    [InlineData(LogEventLevel.Error, "ERROR")]
    [InlineData(LogEventLevel.Fatal, "CRITICAL")]
    public void UsesPythonLevelNames(LogEventLevel level, string name) =>
        Assert.Equal(name, Log(l => l.Write(level, "x")).GetProperty("levelname").GetString());

    [Fact]
    public void ExceptionsGoToExcInfo()
    {
        var line = Log(l => l.Error(new InvalidOperationException("boom"), "failed"));
        Assert.Contains("boom", line.GetProperty("exc_info").GetString());
    }

    [Fact]
    public void KnownSecretsAreRedactedInMessagesPropertiesAndExceptions()
    {
        const string key = "k3J9-xQ2vL8mN4pR7sT1wY6zA0bC5dE9fG2hJ4kL7mN1pQ3r\"S8tU";
        var line = Log(l => l.Error(new InvalidOperationException("key " + key), "using {key} and {again}", key, new { Nested = key }), key);

        var text = line.GetRawText();
        Assert.DoesNotContain("xQ2vL8mN4pR7", text);
        Assert.Contains(SecretRedactor.Mask, line.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("connecting to postgres://viatique:hunter2@db:5432/viatique", "connecting to postgres://viatique:***@db:5432/viatique")]
    [InlineData("broker redis://:r3d1s@redis:6379/0 down", "broker redis://:***@redis:6379/0 down")]
    [InlineData("url postgres://u:a@b@db/x", "url postgres://u:***@db/x")]
    public void PasswordsInsideUrlsAreRedactedEvenWhenUnknown(string message, string expected) =>
        Assert.Equal(expected, Log(l => l.Information(message)).GetProperty("message").GetString());
}
