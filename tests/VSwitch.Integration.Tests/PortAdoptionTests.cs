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
        using var lab = new SwitchLab();
        RestartWithTwoWorkers(lab);
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
        using var lab = new SwitchLab();
        RestartWithTwoWorkers(lab);
        var (g1, g2) = lab.AddTwoTapGuests();
        Assert.True(lab.Ping(g1, "198.18.1.2", 20, 0.01)); // both ports on one worker now (test above)

        var before = Workers(lab.DaemonPid);
        var (sent, received) = Transfer.Run(g1, g2, "198.18.1.2", 128 << 20);
        var after = Workers(lab.DaemonPid);

        Assert.Equal(sent, received);
        // A worker without ports sleeps and uses no CPU; a worker given its port back forwards (and polls).
        var cpu = before.Keys.Select(tid => after[tid].CpuTicks - before[tid].CpuTicks).ToArray();
        Assert.True(cpu.Min() >= 2, $"one worker sat out a 128 MB transfer: CPU ticks (1/100 s) per worker {string.Join(", ", cpu)}");
    }

    /// <summary>Two workers whatever the machine's cores (before the guests: a restart re-creates the TAPs).</summary>
    private static void RestartWithTwoWorkers(SwitchLab lab)
    {
        lab.Stop();
        lab.Start(extraArguments: ["--workers", "2"]);
    }

    /// <summary>Each worker thread's wake-ups and CPU ticks (1/100 s), by thread id.</summary>
    private static Dictionary<string, (long WakeUps, long CpuTicks)> Workers(int pid)
    {
        var workers = new Dictionary<string, (long, long)>();
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith("vswitch-worker")) continue;
            // Voluntary only: a thread that blocks (epoll_wait) and is woken; a yield that lets another thread run is involuntary.
            long wakeUps = File.ReadAllLines(Path.Combine(task, "status"))
                .Where(line => line.StartsWith("voluntary_ctxt_switches"))
                .Sum(line => long.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture));
            string stat = File.ReadAllText(Path.Combine(task, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long cpu = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            workers[Path.GetFileName(task)] = (wakeUps, cpu);
        }
        Assert.Equal(2, workers.Count);
        return workers;
    }
}
