namespace VSwitch.Integration.Tests;

/// <summary>
/// Workers poll for a while after their last frame (on by default). The poll must end with the traffic:
/// a switch with nothing to forward sleeps in epoll_wait and uses no CPU.
/// </summary>
public class BusyPollTests
{
    [Fact]
    public void ByDefault_WorkersPoll_AndAfterTheTrafficStops_TheDaemonIsIdle()
    {
        using var lab = new SwitchLab();
        var (g1, _) = lab.AddTwoTapGuests();
        lab.AssertLogged("polling 20000 µs after their last frame");

        // 0.5 ms apart: each request arrives inside the 20 ms polling window the previous frames opened.
        Assert.True(lab.Ping(g1, "198.18.1.2", 600, 0.0005));

        long used = ProcStat.IdleTicks(lab.DaemonPid);
        Assert.True(used <= 20,
            $"vswitchd used {used} clock ticks (1/100 s) of CPU in 2 s with no traffic: a worker kept polling");
    }
}
