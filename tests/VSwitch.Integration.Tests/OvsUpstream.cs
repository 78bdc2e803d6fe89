namespace VSwitch.Integration.Tests;

/// <summary>
/// Open vSwitch's userspace datapath as an independent upstream switch: ovsdb-server and ovs-vswitchd run
/// inside one of the lab's namespaces with their database, sockets, pid files and logs in the lab's own
/// directory (the kernel module is absent, so the bridge is datapath_type=netdev). The namespace's removal
/// kills them; Dispose stops them first.
/// </summary>
public sealed class OvsUpstream : IDisposable
{
    private readonly string _ns;
    private readonly string _dir;

    public OvsUpstream(SwitchLab lab, string ns)
    {
        Assert.True(File.Exists("/usr/sbin/ovs-vswitchd"),
            "Open vSwitch is missing: ./run.sh test installs openvswitch-switch");
        _ns = ns;
        _dir = Path.Combine(lab.WorkDir, "ovs");
        Directory.CreateDirectory(_dir);
        Shell.MustSh($"ovsdb-tool create {_dir}/conf.db /usr/share/openvswitch/vswitch.ovsschema");
        Shell.MustSh($"ip netns exec {ns} ovsdb-server {_dir}/conf.db --remote=punix:{_dir}/db.sock " +
            $"--pidfile={_dir}/ovsdb.pid " +
                     $"--unixctl={_dir}/ovsdb.ctl --log-file={_dir}/ovsdb.log --detach");
        Vsctl("--no-wait", "init");
        Shell.MustSh($"ip netns exec {ns} ovs-vswitchd unix:{_dir}/db.sock --pidfile={_dir}/vswitchd.pid " +
                     $"--unixctl={_dir}/vswitchd.ctl --log-file={_dir}/vswitchd.log --detach", TimeSpan.FromSeconds(30));
    }

    public string Vsctl(params string[] args)
    {
        var result = Shell.Run("ovs-vsctl", new[] { $"--db=unix:{_dir}/db.sock", "--timeout=20" }.Concat(args),
            TimeSpan.FromSeconds(30));
        Assert.True(result.Ok, $"ovs-vsctl {string.Join(' ', args)} failed: {result}\n{Log()}");
        return result.Output;
    }

    public string Appctl(params string[] args) =>
        Shell.Run("ovs-appctl", new[] { "-t", $"{_dir}/vswitchd.ctl" }.Concat(args), TimeSpan.FromSeconds(30)).Output;

    public string Log() => File.Exists($"{_dir}/vswitchd.log") ? File.ReadAllText($"{_dir}/vswitchd.log")
        : "(no ovs-vswitchd log)";

    public void Dispose()
    {
        foreach (var pid in new[] { "vswitchd.pid", "ovsdb.pid" })
            Shell.Sh($"[ -f {_dir}/{pid} ] && kill $(cat {_dir}/{pid})");
    }
}
