namespace VSwitch.Linux.Native;

/// <summary>
/// An interface name as the bytes the kernel is given. Names reach here checked (Names.ValidateInterface);
/// this refuses anything else instead of letting an encoder turn it into '?', which made two different
/// names one interface.
/// </summary>
internal static class InterfaceNameBytes
{
    /// <summary>Writes <paramref name="name"/> and a NUL; returns its length without the NUL.</summary>
    public static int Write(string name, Span<byte> destination)
    {
        if (name.Length is 0 or > 15 || name.Length >= destination.Length)
            throw new ArgumentException($"interface name '{name}' is not 1 to 15 bytes", nameof(name));
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c is < '!' or > '~')
                throw new ArgumentException($"interface name '{name}' is not printable ASCII", nameof(name));
            destination[i] = (byte)c;
        }
        destination[name.Length] = 0;
        return name.Length;
    }
}
