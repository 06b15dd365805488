using System.Text.RegularExpressions;
using Viatique.Api.Jobs;

namespace Viatique.Api.Tests.Jobs;

/// <summary>
/// nginx hides the backend's Content-Security-Policy and sets its own per path, so the dashboard's
/// policy is written twice: in the host and in nginx's map. They must not drift apart.
/// </summary>
public class DashboardPolicyTests
{
    [Fact]
    public void NginxSendsTheDashboardThePolicyTheHostGivesIt()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "nginx", "templates", "viatique.conf.template")))
        {
            dir = dir.Parent;
        }
        var template = File.ReadAllText(Path.Combine(dir.FullName, "nginx", "templates", "viatique.conf.template"));

        var entry = Regex.Match(template, @"^\s*~\^/admin/jobs\S*\s+""([^""]*)"";", RegexOptions.Multiline);

        Assert.True(entry.Success, "no /admin/jobs entry in the $viatique_csp map of nginx/templates/viatique.conf.template");
        Assert.Equal(JobsEndpoints.DashboardContentSecurityPolicy, entry.Groups[1].Value);
    }
}
