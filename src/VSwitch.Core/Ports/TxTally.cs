namespace VSwitch.Core.Ports;

/// <summary>
/// Counts a transmit frame by frame, so every port accounts the same way: a frame sent, a frame the
/// kernel refused (an error), and whatever of the offer is left is <see cref="TxResult.NoRoom"/>.
/// </summary>
public struct TxTally
{
    private int _sent;
    private long _bytes;
    private int _errors;

    public readonly int Sent => _sent;

    public void Delivered(long frameBytes)
    {
        _sent++;
        _bytes += frameBytes;
    }

    /// <summary><paramref name="frames"/> frames of <paramref name="frameBytes"/> bytes in all went at once (a stream's
    /// one send).</summary>
    public void Delivered(int frames, long frameBytes)
    {
        _sent += frames;
        _bytes += frameBytes;
    }

    public void Refused() => _errors++;

    /// <summary>The result of offering <paramref name="offered"/> frames: those neither sent nor refused found no
    /// room.</summary>
    public readonly TxResult Of(int offered) => new(_sent, _bytes, _errors, offered - _sent - _errors);
}
