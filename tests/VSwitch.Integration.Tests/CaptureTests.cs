using PacketDotNet;

namespace VSwitch.Integration.Tests;

/// <summary>vswitchctl capture writes pcap that other tools read.</summary>
public class CaptureTests
{
    [Fact]
    public void Capture_WritesPcap_ThatTcpdumpAndPacketDotNetRead()
    {
        using var lab = new SwitchLab();
        var (g1, g2) = lab.AddTwoTapGuests();
        lab.MustPing(g1, "198.18.1.2", 1); // learn both MACs first, so the capture sees only the pings

        string file = Path.Combine(Path.GetTempPath(), $"{lab.Id}.pcap");
        try
        {
            var capture = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Path.Combine(lab.Root, "bin", "vswitchctl"),
                ["capture", "vif2.0", "-c", "8", "-w",
                    file]) { Environment = { ["VSWITCH_SOCKET"] = lab.SocketPath }, RedirectStandardError = true })!;
            Thread.Sleep(500);
            lab.MustPing(g1, "198.18.1.2", 4);
            Assert.True(capture.WaitForExit(10_000), "capture -c 8 did not end after 8 frames");
            Assert.Equal(0, capture.ExitCode);

            var tcpdump = Shell.Run("tcpdump", ["-nr", file, "icmp"]);
            Assert.True(tcpdump.Ok, tcpdump.ToString());
            Assert.Equal(4, tcpdump.Output.Split('\n').Count(l
                => l.Contains("198.18.1.1 > 198.18.1.2: ICMP echo request")));
            Assert.Equal(4, tcpdump.Output.Split('\n').Count(l
                => l.Contains("198.18.1.2 > 198.18.1.1: ICMP echo reply")));

            var frames = PcapReader.Read(file);
            Assert.Equal(8, frames.Count);
            foreach (var frame in frames)
            {
                var ip = Packet.ParsePacket(LinkLayers.Ethernet, frame).Extract<IPv4Packet>();
                Assert.NotNull(ip);
                Assert.True(ip.ValidChecksum, "the capture must hold whole, unaltered frames");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Capture_OfAnUnknownPort_IsRefused()
    {
        using var lab = new SwitchLab();
        var result = lab.Ctl("capture", "nosuch0", "-w", "-");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("capture: no port named nosuch0", result.Error);
    }
}
