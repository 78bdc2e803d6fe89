using VSwitch.Core.Control;
using VSwitch.Core.Ports;
using VSwitch.Daemon.Formats;

namespace VSwitch.Core.Tests;

public class StreamPortControlTests
{
    [Fact]
    public void AddStream_IsPersistedWithItsOwnerAndMac_AndRefusesWhatAddTapRefuses()
    {
        using var lab = new SwitchHarness();
        lab.Controller.AddBridge("xapi1", null);
        var port = lab.Controller.AddStream("xapi1", "vm7", "02:00:00:00:5e:07", "qemu");
        Assert.Equal(PortKind.Stream, port.Kind);
        Assert.Equal("/run/vswitch/vm7.sock", ((IStreamEndpoint)port.Device).SocketPath);
        var saved = lab.Saved.Last().Bridges.Single().Ports.Single();
        Assert.Equal((PortKind.Stream, "02:00:00:00:5e:07", "qemu"), (saved.Kind, saved.Mac, saved.Owner));
        Assert.Equal("-netdev stream,id=vm7,server=off,addr.type=unix,addr.path=/run/vswitch/vm7.sock -device " +
            "virtio-net-pci,netdev=vm7,mac=02:00:00:00:5e:07",
            QemuArguments.ForStream("vm7", "/run/vswitch/vm7.sock", port.ConfiguredMac!.Value));

        int count = lab.Saved.Count;
        Assert.Contains("multicast", Assert.Throws<ConfigException>(() => lab.Controller.AddStream("xapi1", "vm8",
            "01:00:5e:00:00:01")).Message);
        Assert.Contains("already a port of bridge xapi1", Assert.Throws<ConfigException>(()
            => lab.Controller.AddStream("xapi1", "vm7", null)).Message);
        Assert.Contains("does not exist", Assert.Throws<ConfigException>(() => lab.Controller.AddStream("nobr", "vm9",
            null)).Message);
        Assert.Equal(count, lab.Saved.Count);
    }
}
