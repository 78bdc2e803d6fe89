using BenchmarkDotNet.Attributes;
using VSwitch.Core.Frames;

namespace VSwitch.Benchmarks;

/// <summary>Frame parsing alone: an untagged and an 802.1Q-tagged 64-byte frame. Reported per frame.</summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private const int Frames = 1024;
    private byte[] _untagged = null!;
    private byte[] _tagged = null!;

    [GlobalSetup]
    public void Setup()
    {
        _untagged = new byte[60];
        new MacAddress(0x0200_0000_0003UL).Write(_untagged);
        new MacAddress(0x0200_0000_0002UL).Write(_untagged.AsSpan(6));
        _untagged[12] = 0x08;
        _tagged = new byte[64];
        _untagged.AsSpan(0, 12).CopyTo(_tagged);
        _tagged[12] = 0x81; _tagged[13] = 0x00; _tagged[15] = 5; _tagged[16] = 0x08;
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public int Untagged() => Parse(_untagged);

    [Benchmark(OperationsPerInvoke = Frames)]
    public int Tagged() => Parse(_tagged);

    private static int Parse(byte[] frame)
    {
        int sum = 0;
        for (int i = 0; i < Frames; i++)
            if (EthernetFrame.TryParse(frame, out var parsed) == FrameError.None) sum += parsed.OuterTag.Id;
        return sum;
    }
}
