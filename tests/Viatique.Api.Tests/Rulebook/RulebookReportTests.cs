using System.Text.Json;
using Viatique.Api.Settings.Rulebook;

namespace Viatique.Api.Tests.Rulebook;

public class RulebookReportTests
{
    static readonly Dictionary<string, string> ThreeBadVariables = Env.With(
        ("SECRET_KEY", "too-short-s3cr3t"),
        ("DEBUG", "true"),
        ("ALLOWED_HOSTS", "*"));

    [Fact]
    public void ThreeBadVariablesGiveThreeLinesEachNamingItsVariable()
    {
        var report = Env.Report(ThreeBadVariables);
        var lines = report.ToText().Split('\n');

        Assert.Equal(3, report.Errors.Count);
        Assert.Single(lines, l => l.StartsWith("VIQ-E002 SECRET_KEY: ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("VIQ-E010 DEBUG: ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("VIQ-E021 ALLOWED_HOSTS: ", StringComparison.Ordinal));
        Assert.All(lines[..3], l => Assert.Contains(". Hint: ", l));
        Assert.Equal("System check identified 3 errors and 0 warnings (Production).", lines[^1]);
    }

    [Fact]
    public void EnforceThrowsWithEveryViolationAtOnce()
    {
        var context = new RuleContext(Env.Read(ThreeBadVariables), DateTimeOffset.UtcNow);
        var violation = Assert.Throws<RulebookViolation>(() => ViatiqueRulebook.Enforce(context));
        Assert.Equal(["VIQ-E002", "VIQ-E010", "VIQ-E021"], violation.Report.Errors.Select(e => e.Id).Order());
    }

    [Fact]
    public void WarningsAloneDoNotStopTheHost()
    {
        var context = new RuleContext(Env.Read(Env.With(("TRUSTED_PROXIES", null))), DateTimeOffset.UtcNow);
        var report = ViatiqueRulebook.Enforce(context);
        Assert.Equal("VIQ-W044", Assert.Single(report.Warnings).Id);
    }

    [Fact]
    public void ReportNeverContainsTheSecretValues()
    {
        var env = Env.With(("SECRET_KEY", "too-short-s3cr3t"), ("DATABASE_URL", "postgres://u:hunter2pw@db:bad/viatique"));
        var report = Env.Report(env);
        foreach (var text in new[] { report.ToText(), report.ToJson() })
        {
            Assert.DoesNotContain("too-short-s3cr3t", text);
            Assert.DoesNotContain("hunter2pw", text);
        }
    }

    [Fact]
    public void JsonHasTheSameFieldsAsTheText()
    {
        using var json = JsonDocument.Parse(Env.Report(ThreeBadVariables).ToJson());
        var root = json.RootElement;

        Assert.Equal("Production", root.GetProperty("environment").GetString());
        Assert.Equal(3, root.GetProperty("errors").GetInt32());
        var first = root.GetProperty("findings")[0];
        foreach (var field in new[] { "id", "severity", "variable", "message", "hint" })
        {
            Assert.Equal(JsonValueKind.String, first.GetProperty(field).ValueKind);
        }
        Assert.Equal("error", first.GetProperty("severity").GetString());
    }

    [Fact]
    public void CleanReportSaysSo() =>
        Assert.Equal("System check identified no issues (Production).", Env.Report(Env.Production).ToText());
}
