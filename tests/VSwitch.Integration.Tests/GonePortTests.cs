namespace VSwitch.Integration.Tests;

/// <summary>
/// An interface behind a port can go while the port is attached: deleted by hand, or deleted with the
/// guest namespace a tap port's TAP or a raw port's veth peer was in. The port then becomes absent (as
/// after a restart that cannot find it) and the rest of the bridge goes on. Before, a tap port's worker
/// spun on the dead descriptor, which epoll reports in error on every wait: a whole core, for good.
/// </summary>
public class GonePortTests
{
    [Fact]
    public void PortsWhoseInterfacesGoWithTheirNamespaces_BecomeAbsent_AndTheDaemonStaysIdle()
    {
        using var lab = new SwitchLab();
        lab.MustCtl("addbr", "xapi1");
        string tapGuest = lab.AddTapGuest("xapi1", "g1", "vif1.0", "198.18.1.1");
        string veth = lab.AddVethGuest("xapi1", "g2", "198.18.1.2", out string vethGuest);
        string g3 = lab.AddTapGuest("xapi1", "g3", "vif3.0", "198.18.1.3");
        lab.AddVethGuest("xapi1", "g4", "198.18.1.4", out _);
        lab.MustPing(tapGuest, "198.18.1.2");

        // Deleting a namespace deletes the TAP that was moved into it, and both ends of a veth.
        Shell.MustSh($"ip netns del {tapGuest} && ip netns del {vethGuest}");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        string show;
        while (!(show = lab.MustCtl("show")).Contains("vif1.0 (absent)") || !show.Contains($"{veth} (absent)"))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"the ports are not absent 5 s after their interfaces went:\n{show}\n{lab.ReadLog()}");
            Thread.Sleep(100);
        }
        lab.AssertLogged("the interface of port vif1.0 (xapi1) is gone");

        long used = ProcStat.IdleTicks(lab.DaemonPid);
        Assert.True(used <= 20, $"vswitchd used {used} clock ticks of CPU in 2 s with no traffic after two ports went");
        lab.MustPing(g3, "198.18.1.4");

        // Absent ports stay in the configuration until removed, as after a restart.
        Assert.Contains("vif1.0", File.ReadAllText(lab.ConfigPath));
        lab.MustCtl("delif", "xapi1", "vif1.0");
        lab.MustCtl("delif", "xapi1", veth);
        show = lab.MustCtl("show");
        Assert.DoesNotContain("absent", show);
        Assert.DoesNotContain("vif1.0", File.ReadAllText(lab.ConfigPath));
    }
}
