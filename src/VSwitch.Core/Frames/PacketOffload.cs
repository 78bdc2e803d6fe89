namespace VSwitch.Core.Frames;

/// <summary>
/// What a frame's sender left for the way out to finish, kept beside the frame (as dp_packet and skb keep
/// theirs): a partial checksum to fill in, and for a TSO frame, how to cut it into segments. The fields are
/// those of virtio-net's header, which TAPs and packet sockets exchange it in; only ports translate
/// (<see cref="Offload.VirtioNetHeader"/>). A zeroed record is a complete frame.
/// </summary>
public struct PacketOffload
{
    public const byte NeedsChecksum = 1;
    public const byte DataValid = 2;

    public const byte GsoNone = 0;
    public const byte GsoTcpV4 = 1;
    public const byte GsoUdp = 3;
    public const byte GsoTcpV6 = 4;
    public const byte GsoUdpL4 = 5;
    public const byte GsoEcn = 0x80;

    /// <summary><see cref="NeedsChecksum"/>, <see cref="DataValid"/>.</summary>
    public byte Flags;
    /// <summary>One of the Gso* types, possibly with <see cref="GsoEcn"/>.</summary>
    public byte GsoType;
    /// <summary>For a TSO frame, the headers' length as its sender gave it (the kernel gives the linear
    /// part's).</summary>
    public ushort HeaderLength;
    /// <summary>For a TSO frame, the payload of each segment.</summary>
    public ushort GsoSize;
    /// <summary>Where the checksum's sum starts (the L4 header), from the start of the frame.</summary>
    public ushort ChecksumStart;
    /// <summary>Where, from <see cref="ChecksumStart"/>, the checksum goes.</summary>
    public ushort ChecksumOffset;

    public readonly bool ChecksumPending => (Flags & NeedsChecksum) != 0;

    /// <summary>The segmentation type without the ECN bit: <see cref="GsoNone"/> for a frame that goes as it
    /// is.</summary>
    public readonly byte Segmentation => (byte)(GsoType & ~GsoEcn);

    /// <summary>
    /// Moves the offsets that count from the start of the frame by <paramref name="delta"/> bytes, after a VLAN
    /// tag was inserted (+4) into or removed (-4) from the frame in front of its L3 header.
    /// </summary>
    public void Shift(int delta)
    {
        if (ChecksumPending) ChecksumStart = (ushort)(ChecksumStart + delta);
        if (Segmentation != GsoNone && HeaderLength != 0) HeaderLength = (ushort)(HeaderLength + delta);
    }
}
