using System.Globalization;

namespace VSwitch.Integration.Tests;

/// <summary>Figures read from /proc for a process or one of its threads.</summary>
public static class ProcStat
{
    /// <summary>The /proc/PID/task/TID directories of vswitchd's datapath workers (threads named
    /// vswitch-worker-N).</summary>
    public static IEnumerable<string> WorkerTasks(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task").Where(task => File.ReadAllText(Path.Combine(task,
            "comm")).StartsWith("vswitch-worker"));

    /// <summary>
    /// CPU the whole process used over 2 s, in clock ticks (1/100 s), after waiting 300 ms for any busy
    /// poll (20 ms by default) to end. A worker that keeps polling or spins uses about 200; an idle
    /// daemon next to none (its control thread wakes every 100 ms).
    /// </summary>
    public static long IdleTicks(int pid)
    {
        Thread.Sleep(300);
        long before = CpuTicks($"/proc/{pid}/stat");
        Thread.Sleep(2000);
        return CpuTicks($"/proc/{pid}/stat") - before;
    }

    /// <summary>utime + stime in clock ticks (1/100 s) from a <c>stat</c> file: /proc/PID/stat (every thread) or
    /// /proc/PID/task/TID/stat.</summary>
    public static long CpuTicks(string statFile)
    {
        string stat = File.ReadAllText(statFile);
        // The command name (field 2) may hold spaces; the fields after it are counted from its ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12],
            CultureInfo.InvariantCulture);
    }
}
