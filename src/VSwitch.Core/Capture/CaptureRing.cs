using System.Buffers.Binary;

namespace VSwitch.Core.Capture;

/// <summary>
/// A single-producer, single-consumer byte ring of captured frames: one worker writes, the capture
/// reader drains. Lock-free and allocation-free on the write side; when the reader falls behind,
/// frames are dropped and counted rather than slowing the worker down.
/// Record layout: int32 captured length, int32 original length, int64 timestamp (µs since the Unix
/// epoch), the bytes, padding to 8. A length of -1 (or too little room for a header) means "wrap".
/// </summary>
public sealed class CaptureRing
{
    private const int HeaderSize = 16;
    private const int WrapMarker = -1;

    private readonly byte[] _buffer;
    private readonly int _mask;
    private long _head; // bytes consumed; written by the reader only
    private long _tail; // bytes produced; written by the worker only
    private long _dropped;

    /// <param name="capacity">Bytes; rounded up to a power of two.</param>
    public CaptureRing(int capacity)
    {
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 4096));
        _buffer = new byte[size];
        _mask = size - 1;
    }

    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Largest frame part one record can hold.</summary>
    public int MaxRecordBytes => _buffer.Length / 4 - HeaderSize;

    /// <summary>Worker side: copies the frame in, or counts a drop when the ring is full.</summary>
    public void Write(ReadOnlySpan<byte> frame, int originalLength, long timestampMicros)
    {
        int record = Align(HeaderSize + frame.Length);
        long tail = _tail;
        int offset = (int)(tail & _mask);
        int contiguous = _buffer.Length - offset;
        int skip = contiguous < record ? contiguous : 0;
        if (_buffer.Length - (tail - Volatile.Read(ref _head)) < skip + record)
        {
            _dropped++;
            return;
        }
        if (skip > 0)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset), WrapMarker);
            tail += skip;
            offset = 0;
        }
        var at = _buffer.AsSpan(offset, record);
        BinaryPrimitives.WriteInt32LittleEndian(at, frame.Length);
        BinaryPrimitives.WriteInt32LittleEndian(at[4..], originalLength);
        BinaryPrimitives.WriteInt64LittleEndian(at[8..], timestampMicros);
        frame.CopyTo(at[HeaderSize..]);
        Volatile.Write(ref _tail, tail + record);
    }

    /// <summary>Reader side: the oldest record, if any, without consuming it.</summary>
    public bool TryPeek(out CapturedFrame frame)
    {
        while (true)
        {
            long head = _head;
            if (head == Volatile.Read(ref _tail))
            {
                frame = default;
                return false;
            }
            int offset = (int)(head & _mask);
            int contiguous = _buffer.Length - offset;
            int length = contiguous < HeaderSize ? WrapMarker
                : BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(offset));
            if (length == WrapMarker)
            {
                Volatile.Write(ref _head, head + contiguous);
                continue;
            }
            frame = new CapturedFrame(
                _buffer.AsMemory(offset + HeaderSize, length),
                BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(offset + 4)),
                BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(offset + 8)),
                Align(HeaderSize + length));
            return true;
        }
    }

    /// <summary>Reader side: releases the record last peeked, after its bytes have been used.</summary>
    public void Consume(in CapturedFrame frame) => Volatile.Write(ref _head, _head + frame.RecordSize);

    private static int Align(int n) => (n + 7) & ~7;
}

/// <summary>One frame in a <see cref="CaptureRing"/>; valid until it is consumed.</summary>
public readonly record struct CapturedFrame(ReadOnlyMemory<byte> Bytes, int OriginalLength, long TimestampMicros,
    int RecordSize);
