using System.Globalization;

namespace VSwitch.Integration.Tests;

/// <summary>
/// Light traffic between two ports runs on one worker: the worker that picks up a reply from a sleeping
/// owner adopts that port, so the owner is no longer woken for every reply it would not forward anyway.
/// Heavy traffic gives adopted ports back to their home workers, so it spreads over the cores again.
/// </summary>
public class PortAdoptionTests
{
    [Fact]
    public void Pings_RunOnOneWorker_AndTheOtherIsNotWoken()
    {
        using var lab = new SwitchLab(TwoWorkers);
        var (g1, _) = lab.AddTwoTapGuests();
        lab.MustPing(g1, "198.18.1.2"); // the first reply is picked up from a sleeping owner: adopted

        var before = Workers(lab.DaemonPid);
        Assert.True(lab.Ping(g1, "198.18.1.2", 100, 0.01));
        var after = Workers(lab.DaemonPid);

        // Without adoption, the reply's port wakes its owner once per ping (about 100 wake-ups).
        var woken = before.Keys.Select(tid => after[tid].WakeUps - before[tid].WakeUps).ToArray();
        Assert.True(woken.Min() < 20, $"both workers were woken during 100 pings: {string.Join(", ", woken)} times");
    }

    [Fact]
    public void HeavyTraffic_AfterPings_UsesBothWorkers()
    {
        using var lab = new SwitchLab(TwoWorkers);
        var (g1, g2) = lab.AddTwoTapGuests();
        Assert.True(lab.Ping(g1, "198.18.1.2", 20, 0.01)); // both ports on one worker now (test above)

        var before = Workers(lab.DaemonPid);
        var (sent, received) = Transfer.Run(g1, g2, "198.18.1.2", 512 << 20);
        var after = Workers(lab.DaemonPid);

        Assert.Equal(sent, received);
        // A worker without ports sleeps and uses no CPU; a worker given its port back forwards (and polls).
        var cpu = before.Keys.Select(tid => after[tid].CpuTicks - before[tid].CpuTicks).ToArray();
        Assert.True(cpu.Min() >= 2,
            $"one worker sat out a 512 MB transfer: CPU ticks (1/100 s) per worker {string.Join(", ", cpu)}");
    }

    /// <summary>Two workers whatever the machine's cores.</summary>
    private static readonly string[] TwoWorkers = ["--workers", "2"];

    /// <summary>Each worker thread's wake-ups and CPU ticks (1/100 s), by thread id.</summary>
    private static Dictionary<string, (long WakeUps, long CpuTicks)> Workers(int pid)
    {
        var workers = new Dictionary<string, (long, long)>();
        foreach (var task in ProcStat.WorkerTasks(pid))
        {
            // Voluntary only: a thread that blocks (epoll_wait) and is woken; a yield that lets another thread run is
            // involuntary.
            string voluntary = File.ReadAllLines(Path.Combine(task, "status")).Single(line
                => line.StartsWith("voluntary_ctxt_switches"));
            long wakeUps = long.Parse(voluntary.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
            workers[Path.GetFileName(task)] = (wakeUps, ProcStat.CpuTicks(Path.Combine(task, "stat")));
        }
        Assert.Equal(2, workers.Count);
        return workers;
    }
}
