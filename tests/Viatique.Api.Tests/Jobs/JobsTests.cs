using Viatique.Api.Auth;
using Viatique.Api.Jobs;

namespace Viatique.Api.Tests.Jobs;

public class PasswordResetAddressTests
{
    [Theory]
    [InlineData("jane@example.com", true)]
    [InlineData("x\u0000", false)]
    [InlineData("jane\u0000@example.com", false)]
    [InlineData("jane\n@example.com", false)]
    [InlineData("", false)]
    [InlineData("no-at-sign", false)]
    public void AcceptsOnlyAPlainAddress(string email, bool accepted) => Assert.Equal(accepted, PasswordResetJob.IsAcceptableEmail(email));

    [Fact]
    public void AcceptsUpTo254Characters()
    {
        var domain = "@example.com";
        Assert.True(PasswordResetJob.IsAcceptableEmail(new string('a', 254 - domain.Length) + domain));
        Assert.False(PasswordResetJob.IsAcceptableEmail(new string('a', 255 - domain.Length) + domain));
    }
}

public class JobTimingsTests
{
    [Fact]
    public void TheHostOutwaitsHangfireWhichOutwaitsARunningJob()
    {
        Assert.True(JobTimings.StopTimeout < JobTimings.ShutdownTimeout);
        Assert.True(JobTimings.ShutdownTimeout < JobTimings.HostShutdownTimeout);
    }

    [Fact]
    public void ADeadServerIsNoticedLongBeforeTheInvisibilityTimeout()
    {
        Assert.True(JobTimings.Heartbeat * 3 <= JobTimings.ServerTimeout);
        Assert.True(JobTimings.ServerTimeout + JobTimings.ServerCheckInterval < JobTimings.InvisibilityTimeout);
        Assert.True(JobTimings.InvisibilityTimeout <= TimeSpan.FromMinutes(5));
    }
}
