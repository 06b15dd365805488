using Serilog;
using Serilog.Core;
using Serilog.Events;
using Viatique.Api.Logging;

namespace Viatique.Api.Tests.Logging;

public class TextLogFormatterTests
{
    sealed class Capture(TextLogFormatter formatter) : ILogEventSink
    {
        public readonly StringWriter Output = new();
        public void Emit(LogEvent logEvent) => formatter.Format(logEvent, Output);
    }

    static string Log(Action<ILogger> write, bool colors = false, params string[] secrets)
    {
        var sink = new Capture(new TextLogFormatter(new SecretRedactor(secrets), colors));
        using (var logger = new LoggerConfiguration().MinimumLevel.Verbose().Enrich.FromLogContext().WriteTo.Sink(sink).CreateLogger())
        {
            write(logger);
        }
        return sink.Output.ToString();
    }

    [Fact]
    public void WritesTimeLevelLoggerAndMessageThenTheOtherProperties()
    {
        var text = Log(l => l.ForContext(Constants.SourceContextPropertyName, "viatique.access")
            .ForContext("request_id", "req-1").ForContext("EventId", 7)
            .Information("{method} {path} {status}", "GET", "/health/", 200));

        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} INFO    viatique\.access: GET /health/ 200  request_id=req-1\n$", text.Replace("\r", ""));
    }

    [Fact]
    public void PutsTheExceptionOnTheFollowingLines()
    {
        var text = Log(l => l.Error(new InvalidOperationException("boom"), "Job {job} failed", "purge"));

        var lines = text.Split('\n');
        Assert.Contains("ERROR   root: Job purge failed", lines[0]);
        Assert.StartsWith("System.InvalidOperationException: boom", lines[1]);
    }

    [Fact]
    public void MasksSecretsAndUrlPasswordsLikeTheJsonLines()
    {
        var text = Log(l => l.Warning("key {key} broker {url}", "the-secret-key-value", "redis://:hunter2@redis:6379/0"), secrets: "the-secret-key-value");

        Assert.DoesNotContain("the-secret-key-value", text);
        Assert.DoesNotContain("hunter2", text);
        Assert.Contains("key *** broker redis://:***@redis:6379/0", text);
    }

    [Fact]
    public void ColoursTheLevelOnlyWhenAsked()
    {
        Assert.DoesNotContain("\u001b[", Log(l => l.Warning("plain")));
        Assert.Contains("\u001b[33mWARNING", Log(l => l.Warning("coloured"), colors: true));
    }
}
