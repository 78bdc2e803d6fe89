namespace VSwitch.Core.Ports;

/// <summary>
/// What one transmit did with the frames it was given: <see cref="Sent"/> went (<see cref="Bytes"/>, their
/// frame bytes), <see cref="Errors"/> were refused by the kernel (ifconfig's TX errors), and
/// <see cref="NoRoom"/> found no room or no link (TX dropped).
/// </summary>
public readonly record struct TxResult(int Sent, long Bytes, int Errors, int NoRoom)
{
    /// <summary>Nothing went: every one of <paramref name="offered"/> frames found no room (no link to send
    /// on).</summary>
    public static TxResult NoneSent(int offered) => new(0, 0, 0, offered);

    public static TxResult operator +(TxResult a, TxResult b) =>
        new(a.Sent + b.Sent, a.Bytes + b.Bytes, a.Errors + b.Errors, a.NoRoom + b.NoRoom);
}
