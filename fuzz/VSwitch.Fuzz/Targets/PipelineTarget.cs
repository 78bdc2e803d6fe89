using System.Buffers.Binary;
using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Frames;
using VSwitch.Core.Offload;
using VSwitch.Fakes;

namespace VSwitch.Fuzz.Targets;

/// <summary>
/// Frames into the forwarding pipeline through in-memory ports: a PIF of two bonded links carrying an
/// untagged network and VLAN 5, and an internal network with a locked guest, a trunk guest and a plain one.
/// The input is a sequence of records: a port byte, a virtio-net header (the offload record the frame
/// arrives with), a 16-bit length and the frame.
/// </summary>
public sealed class PipelineTarget : IFuzzTarget, IDisposable
{
    private static readonly (string Name, bool Link)[] Ingress =
        [("eth1", true), ("eth2", true), ("g1", false), ("g2", false), ("g3", false), ("xenbr0", false)];

    private readonly SwitchHarness _switch = new(new FdbLimits(1024, 256), "eth1", "eth2");

    public PipelineTarget()
    {
        var c = _switch.Controller;
        c.AddBond("bond0", ["eth1", "eth2"], "balance-slb", null, null, 0, 0);
        c.AddBridge("xenbr0", "bond0");
        c.AddBridge("xapi5", "bond0", 5);
        c.AddTap("xenbr0", "g1", "02:00:00:00:00:01");
        c.AddTap("xenbr0", "g2", "02:00:00:00:00:02");
        c.AddTap("xapi5", "g3", "02:00:00:00:00:03");
        c.SetTrunks("g2", "10,20-30");
        string g1 = c.Bridge("xenbr0").Guests.Single(p => p.Name == "g1").Uuid;
        c.SetVifParams(g1, [new("locking-mode", "locked"), new("ipv4-allowed", "198.18.0.1"),
            new("ipv6-allowed", "2001:db8::1")]);
        c.SetMacLimit("g3", "4");
    }

    public string Name => "pipeline";

    public void Run(ReadOnlySpan<byte> input)
    {
        while (input.Length >= 1 + VirtioNetHeader.Length + 2)
        {
            var (port, link) = Ingress[input[0] % Ingress.Length];
            var offload = VirtioNetHeader.Read(input[1..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(input[(1 + VirtioNetHeader.Length)..]);
            input = input[(3 + VirtioNetHeader.Length)..];
            length = Math.Min(length, input.Length);
            _switch.Receive(port, input[..length].ToArray(), link, offload);
            input = input[length..];
        }
        // Each input starts from the same switch: what the last one learned and sent is forgotten.
        _switch.Controller.Fdb.Flush(includeStatic: false);
        _switch.ClearSent();
    }

    public void Dispose() => _switch.Dispose();
}
