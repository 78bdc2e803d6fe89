using VSwitch.Core.Observability;

namespace VSwitch.Core.Tests;

public class LogRateLimitTests
{
    [Fact]
    public void ABurstPasses_TheRestWaitForTheInterval_AndTheNextSaysHowManyWereHeldBack()
    {
        var limit = new LogRateLimit(burst: 5, TimeSpan.FromSeconds(10));
        long now = 1_000_000;
        int passed = 0;
        for (int i = 0; i < 400; i++) if (limit.Allow(now, out _)) passed++;

        Assert.Equal(5, passed);
        Assert.False(limit.Allow(now + 9_000, out _));
        Assert.True(limit.Allow(now + 10_000, out int suppressed));
        Assert.Equal(396, suppressed);
        Assert.True(limit.Allow(now + 1_000_000, out suppressed));
        Assert.Equal(0, suppressed);
    }
}
