using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;
using PacketDotNet;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace VSwitch.Perf;

/// <summary>
/// Offers 64-byte frames at a constant rate, as RFC 2544's throughput test needs. trafgen's own rate
/// limit sends each period's frames in one burst, which a queue of 1,000 frames in front of a TAP
/// reader cannot take even at 20k pps; this sender spaces small batches (8 frames by default) evenly,
/// spinning to each deadline, so a switch is judged at the rate, not at trafgen's burst size.
/// </summary>
internal static unsafe partial class PacedSender
{
    public sealed record Options(string Interface, PhysicalAddress Destination, long Rate, double Seconds, int Batch,
        int Sources = 1, long Count = 0)
    {
        public static Options Parse(string[] args)
        {
            string? name = null, mac = null;
            long rate = 0;
            double seconds = 0;
            int batch = 8, sources = 1;
            long count = 0;
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i]
                    : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--interface": name = Value(); break;
                    case "--destination": mac = Value(); break;
                    case "--rate": rate = long.TryParse(Value(), out var r) && r > 0 ? r
                        : throw new ArgumentException("--rate: a positive number of frames per second"); break;
                    case "--seconds": seconds = double.TryParse(Value(), out var s) && s > 0 ? s
                        : throw new ArgumentException("--seconds: a positive number"); break;
                    case "--batch": batch = int.TryParse(Value(), out var b) && b is >= 1 and <= 64 ? b
                        : throw new ArgumentException("--batch: 1 to 64"); break;
                    case "--sources": sources = int.TryParse(Value(), out var n) && n is >= 1 and <= 1 << 24 ? n
                        : throw new ArgumentException("--sources: 1 to 16777216 source MACs"); break;
                    case "--count": count = long.TryParse(Value(), out var c) && c > 0 ? c
                        : throw new ArgumentException("--count: a positive number of frames"); break;
                    default: throw new ArgumentException($"unknown option '{args[i]}'");
                }
            }
            if (name is null || mac is null || rate == 0 || (seconds == 0 && count == 0))
                throw new ArgumentException("pace needs --interface, --destination, --rate and --seconds or --count");
            return new Options(name, PhysicalAddress.Parse(mac.Replace(':', '-').ToUpperInvariant()), rate, seconds,
                batch, sources, count);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec { public void* Base; public nuint Length; }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public void* Name; public uint NameLength; public IoVec* Iov; public nuint IovLength;
        public void* Control; public nuint ControlLength; public int Flags; public uint Length;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);

    public static int Run(Options options)
    {
        byte[] frame = Frame(options.Destination);
        int fd = socket(AF_PACKET, SOCK_RAW, 0);
        if (fd < 0) throw new ArgumentException($"socket(AF_PACKET): errno {Marshal.GetLastPInvokeError()}");
        try
        {
            var address = new sockaddr_ll { sll_family = (ushort)AF_PACKET, sll_ifindex = IfIndex(options.Interface) };
            if (bind(fd, (sockaddr*)&address, (uint)sizeof(sockaddr_ll)) < 0)
                throw new ArgumentException($"bind to {options.Interface}: errno {Marshal.GetLastPInvokeError()}");

            // One copy of the frame per message of a batch, so each can carry its own source MAC.
            int batch = options.Batch;
            byte* buffers = (byte*)NativeMemory.Alloc((nuint)(batch * frame.Length));
            try
            {
                var iov = stackalloc IoVec[batch];
                var messages = stackalloc MMsgHdr[batch];
                for (int i = 0; i < batch; i++)
                {
                    frame.CopyTo(new Span<byte>(buffers + i * frame.Length, frame.Length));
                    iov[i] = new IoVec { Base = buffers + i * frame.Length, Length = (nuint)frame.Length };
                    messages[i] = new MMsgHdr { Iov = &iov[i], IovLength = 1 };
                }

                long total = options.Count > 0 ? options.Count : (long)(options.Rate * options.Seconds);
                double ticksPerFrame = (double)Stopwatch.Frequency / options.Rate;
                long sent = 0, start = Stopwatch.GetTimestamp();
                while (sent < total)
                {
                    // The deadline of the next batch's first frame; spin to it (a sleep would overshoot).
                    long due = start + (long)(sent * ticksPerFrame);
                    while (Stopwatch.GetTimestamp() < due) Thread.SpinWait(8);
                    int count = (int)Math.Min(batch, total - sent);
                    if (options.Sources > 1)
                        for (int i = 0; i < count; i++) SetSource(buffers + i * frame.Length, (int)((sent
                            + i) % options.Sources));
                    int n = sendmmsg(fd, messages, (uint)count, 0);
                    // A refused frame (ENOBUFS) is still offered load that the path did not carry.
                    sent += n > 0 ? n : count;
                }
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                Console.WriteLine($"{sent} {seconds:F6}");
            }
            finally
            {
                NativeMemory.Free(buffers);
            }
            return 0;
        }
        finally
        {
            close(fd);
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint if_nametoindex(string name);

    private static int IfIndex(string name) =>
        if_nametoindex(name) is var index and > 0 ? (int)index
            : throw new ArgumentException($"no interface '{name}' in this namespace");

    /// <summary>Source MAC 02:00:01:xx:xx:xx, xx:xx:xx = <paramref name="index"/>: locally administered
    /// unicast.</summary>
    private static void SetSource(byte* frame, int index)
    {
        frame[8] = 0x01;
        frame[9] = (byte)(index >> 16);
        frame[10] = (byte)(index >> 8);
        frame[11] = (byte)index;
    }

    /// <summary>The same frame perf/compare.sh gives trafgen: 60 bytes before the FCS, UDP to port 9.</summary>
    private static byte[] Frame(PhysicalAddress destination)
    {
        var udp = new UdpPacket(9, 9) { PayloadData = new byte[18] };
        var ip = new IPv4Packet(IPAddress.Parse("198.18.9.1"), IPAddress.Parse("198.18.9.2")) { TimeToLive = 64,
            PayloadPacket = udp };
        udp.UpdateUdpChecksum();
        ip.UpdateIPChecksum();
        var ethernet = new EthernetPacket(PhysicalAddress.Parse("02-00-00-00-00-01"), destination,
            EthernetType.IPv4) { PayloadPacket = ip };
        return ethernet.Bytes;
    }
}
