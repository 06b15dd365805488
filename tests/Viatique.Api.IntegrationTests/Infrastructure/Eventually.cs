namespace Viatique.Api.IntegrationTests.Infrastructure;

/// <summary>Polls a condition (a log line, a file gone) until it holds or the time is up.</summary>
static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(50);
        }
    }
}
