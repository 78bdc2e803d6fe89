using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VSwitch.Core.Frames;

/// <summary>
/// A 48-bit Ethernet address held in the low 48 bits of a <see cref="ulong"/>, first octet most
/// significant, so that comparisons and hashing are single integer operations on the hot path.
/// </summary>
public readonly struct MacAddress : IEquatable<MacAddress>, IComparable<MacAddress>
{
    public const int Length = 6;
    private const ulong Mask = 0xFFFF_FFFF_FFFFUL;

    public static readonly MacAddress Zero = default;
    public static readonly MacAddress Broadcast = new(Mask);

    /// <summary>The MAC of an internal (uplink-less) bridge, as XenServer gives it.</summary>
    public static readonly MacAddress InternalBridge = new(0xFEFF_FFFF_FFFFUL);

    public MacAddress(ulong value) => Value = value & Mask;

    public ulong Value { get; }

    public int CompareTo(MacAddress other) => Value.CompareTo(other.Value);

    /// <summary>I/G bit: the lowest bit of the first octet.</summary>
    public bool IsMulticast => (Value & 0x0100_0000_0000UL) != 0;

    public bool IsBroadcast => Value == Mask;

    public bool IsZero => Value == 0;

    /// <summary>U/L bit: the second-lowest bit of the first octet.</summary>
    public bool IsLocallyAdministered => (Value & 0x0200_0000_0000UL) != 0;

    /// <summary>A source address a switch may learn: unicast and not all zeros.</summary>
    public bool IsValidSource => !IsMulticast && Value != 0;

    public static MacAddress Read(ReadOnlySpan<byte> octets) =>
        new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(octets) << 32)
            | BinaryPrimitives.ReadUInt32BigEndian(octets[2..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Value);
    }

    /// <summary>A random locally administered unicast address (second hex digit 2, 6, A or E).</summary>
    public static MacAddress RandomLocal()
    {
        Span<byte> octets = stackalloc byte[Length];
        System.Security.Cryptography.RandomNumberGenerator.Fill(octets);
        octets[0] = (byte)((octets[0] & 0xFC) | 0x02);
        return Read(octets);
    }

    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null || text.Length != 17) return false;
        ulong value = 0;
        for (int i = 0; i < Length; i++)
        {
            int at = i * 3;
            if (i > 0 && text[at - 1] != ':' && text[at - 1] != '-') return false;
            if (!byte.TryParse(text.AsSpan(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture,
                out byte octet)) return false;
            value = (value << 8) | octet;
        }
        mac = new MacAddress(value);
        return true;
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac
            : throw new FormatException($"'{text}' is not a MAC address (expected six hex octets like " +
            $"02:00:00:00:00:01)");

    public bool Equals(MacAddress other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is MacAddress other && Equals(other);
    public override int GetHashCode() => Value.GetHashCode();
    public static bool operator ==(MacAddress a, MacAddress b) => a.Value == b.Value;
    public static bool operator !=(MacAddress a, MacAddress b) => a.Value != b.Value;

    /// <summary>Lower-case colon form, as ip(8) and brctl print it.</summary>
    public override string ToString() => string.Create(17, Value, static (chars, value) =>
    {
        for (int i = 0; i < Length; i++)
        {
            byte octet = (byte)(value >> (40 - 8 * i));
            if (i > 0) chars[i * 3 - 1] = ':';
            chars[i * 3] = HexDigit(octet >> 4);
            chars[i * 3 + 1] = HexDigit(octet & 0xF);
        }
    });

    private static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
