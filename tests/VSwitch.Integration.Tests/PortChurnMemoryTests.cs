namespace VSwitch.Integration.Tests;

/// <summary>
/// Memory under port churn: 3,000 addtap/delif cycles. The daemon's control-plane garbage is collected once
/// there is 16 MB of it (ControlPlaneGarbage), so its resident memory levels off after warming up instead of
/// climbing until the runtime's own gen0 budget, up to 200 MB, runs out (57 to 147 MB over 1,500 cycles).
/// </summary>
public class PortChurnMemoryTests
{
    [Fact]
    public void ThreeThousandAddtapDelifCycles_LeaveResidentMemoryFlat()
    {
        using var lab = new SwitchLab(["--log-level", "Warning"]);
        lab.MustSend("addbr", "xapi1");
        var rss = new List<(int Cycle, long Kib)>();
        for (int cycle = 1; cycle <= 3000; cycle++)
        {
            lab.MustSend("addtap", "xapi1", $"tp{cycle}");
            lab.MustSend("delif", "xapi1", $"tp{cycle}");
            if (cycle % 250 == 0) rss.Add((cycle, lab.DaemonRssKib()));
        }
        string curve = string.Join(", ", rss.Select(r => $"{r.Cycle}: {r.Kib / 1024.0:0.0} MiB"));

        // After the first 500 cycles (the runtime compiling what churn runs), at most 8 MiB more over 2,500
        // cycles; without the collection it grew about 15 MiB every 250.
        long warm = rss.Single(r => r.Cycle == 500).Kib;
        Assert.True(rss[^1].Kib - warm < 8 * 1024, $"RSS kept growing: {curve}");
        Assert.DoesNotContain("tp3000", lab.MustCtl("show"));
    }
}
