using System.Buffers;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// Encoded bytes waiting for the response body, in one pooled array. Encoders fill it synchronously and
/// drain it with <see cref="Stream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> only, because an
/// ASP.NET Core body refuses synchronous writes and a slow client must not block a thread.
/// </summary>
internal sealed class OutputBuffer : IBufferWriter<byte>, IDisposable
{
    /// <summary>
    /// Bytes gathered before they go to the body: large enough that writes are few, small enough that the
    /// first bytes of a long export leave at once and memory stays flat.
    /// </summary>
    public const int FlushThreshold = 64 * 1024;

    // Smallest span handed out when a caller asks for "any" space, so callers that write a little at a
    // time do not trigger a grow on every call.
    private const int MinimumSpan = 256;

    private readonly Stream _output;
    private byte[] _buffer;
    private int _count;

    public OutputBuffer(Stream output)
    {
        _output = output;
        _buffer = ArrayPool<byte>.Shared.Rent(FlushThreshold * 2);
    }

    /// <summary>Bytes accepted since the start, drained or not; what a seekless stream reports as its position.</summary>
    public long TotalWritten { get; private set; }

    /// <summary>True once enough bytes are waiting that the encoder should drain before writing more.</summary>
    public bool IsFull => _count >= FlushThreshold;

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_count);
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > _buffer.Length - _count) throw new InvalidOperationException("advanced past the end of the span handed out");
        _count += count;
        TotalWritten += count;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Advance(bytes.Length);
    }

    public void WriteByte(byte value)
    {
        if (_count == _buffer.Length) Reserve(1);
        _buffer[_count++] = value;
        TotalWritten++;
    }

    /// <summary>Drains to the body if <see cref="IsFull"/>; otherwise completes synchronously.</summary>
    public ValueTask FlushIfFullAsync(CancellationToken cancellationToken) =>
        _count >= FlushThreshold ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;

    /// <summary>Hands every waiting byte to the body and flushes it, so the client sees them now.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_count > 0)
        {
            await _output.WriteAsync(_buffer.AsMemory(0, _count), cancellationToken).ConfigureAwait(false);
            _count = 0;
        }
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _count = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    private void Reserve(int sizeHint)
    {
        var needed = Math.Max(sizeHint, MinimumSpan);
        if (_buffer.Length - _count >= needed) return;
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(checked(_count + needed), _buffer.Length * 2));
        _buffer.AsSpan(0, _count).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
