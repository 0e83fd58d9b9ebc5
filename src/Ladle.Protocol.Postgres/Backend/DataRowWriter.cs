using System.Buffers;
using System.Buffers.Binary;

namespace Ladle.Protocol.Postgres.Backend;

/// <summary>
/// Builds DataRow ('D') messages: a row's values are encoded into a reused pooled buffer (the type codecs write into
/// it as an <see cref="IBufferWriter{T}"/> between <see cref="BeginValue"/> and <see cref="EndValue"/>), then the
/// finished frame is copied to the output in one piece. One instance per connection; not thread-safe.
/// </summary>
public sealed class DataRowWriter : IBufferWriter<byte>, IDisposable
{
    private const int InitialCapacity = 4096;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialCapacity);
    private int _position;
    private int _valueStart = -1;
    private int _columns;
    private int _written;

    /// <summary>Starts a row of <paramref name="columnCount"/> values.</summary>
    public void BeginRow(int columnCount)
    {
        if (columnCount is < 0 or > short.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(columnCount), columnCount, $"A row has 0 to {short.MaxValue} columns.");
        }

        _columns = columnCount;
        _written = 0;
        _valueStart = -1;
        _position = 0;
        var span = GetSpan(BackendWriter.HeaderSize + 2);
        span[0] = (byte)BackendMessageType.DataRow;
        BinaryPrimitives.WriteInt16BigEndian(span[BackendWriter.HeaderSize..], (short)columnCount);
        _position = BackendWriter.HeaderSize + 2;
    }

    /// <summary>Writes SQL NULL (length -1) as the next value.</summary>
    public void WriteNull()
    {
        CheckNotInValue();
        BinaryPrimitives.WriteInt32BigEndian(GetSpan(4), -1);
        _position += 4;
        _written++;
    }

    /// <summary>Writes already-encoded bytes as the next value.</summary>
    public void WriteValue(ReadOnlySpan<byte> value)
    {
        CheckNotInValue();
        var span = GetSpan(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
        _position += 4 + value.Length;
        _written++;
    }

    /// <summary>Starts a value a codec writes through this writer's <see cref="IBufferWriter{T}"/> methods.</summary>
    public void BeginValue()
    {
        CheckNotInValue();
        GetSpan(4);
        _valueStart = _position;
        _position += 4;
    }

    /// <summary>Ends the value started by <see cref="BeginValue"/>, filling in its length.</summary>
    public void EndValue()
    {
        if (_valueStart < 0)
        {
            throw new InvalidOperationException("EndValue without BeginValue.");
        }

        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_valueStart), _position - _valueStart - 4);
        _valueStart = -1;
        _written++;
    }

    /// <summary>Finishes the row and copies the frame to <paramref name="output"/>.</summary>
    public void EndRow(IBufferWriter<byte> output)
    {
        CheckNotInValue();
        if (_written != _columns)
        {
            throw new InvalidOperationException($"The row was begun with {_columns} columns but {_written} values were written.");
        }

        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(1), _position - 1);
        output.Write(_buffer.AsSpan(0, _position));
    }

    /// <inheritdoc/>
    public void Advance(int count) => _position += count;

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_position);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_position);
    }

    /// <summary>Returns the pooled buffer.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private void Ensure(int sizeHint)
    {
        var need = _position + Math.Max(sizeHint, 1);
        if (need <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _buffer.Length * 2));
        _buffer.AsSpan(0, _position).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    private void CheckNotInValue()
    {
        if (_valueStart >= 0)
        {
            throw new InvalidOperationException("A value is still open: call EndValue first.");
        }
    }
}
