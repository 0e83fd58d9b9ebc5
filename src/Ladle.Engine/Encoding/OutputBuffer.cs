using System.Buffers;
using System.Text;

namespace Ladle.Engine.Encoding;

/// <summary>
/// A pooled byte buffer that text encoders fill synchronously and drain to the response asynchronously once it
/// holds <see cref="FlushThreshold"/> bytes, so no synchronous write ever reaches the (async-only) response.
/// </summary>
internal sealed class OutputBuffer : IBufferWriter<byte>, IDisposable
{
    public const int FlushThreshold = 64 * 1024;

    private readonly Stream _output;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(FlushThreshold * 2);
    private int _length;

    public OutputBuffer(Stream output) => _output = output;

    public bool ShouldFlush => _length >= FlushThreshold;

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteString(string text)
    {
        Ensure(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += System.Text.Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    /// <summary>Formats a value straight into the buffer as UTF-8.</summary>
    public void WriteFormatted<T>(T value, ReadOnlySpan<char> format = default) where T : IUtf8SpanFormattable
    {
        Ensure(64);
        if (!value.TryFormat(_buffer.AsSpan(_length), out var written, format, System.Globalization.CultureInfo.InvariantCulture))
        {
            Ensure(512);
            value.TryFormat(_buffer.AsSpan(_length), out written, format, System.Globalization.CultureInfo.InvariantCulture);
        }
        _length += written;
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_length == 0) return;
        await _output.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
        _length = 0;
    }

    private void Ensure(int size)
    {
        if (_buffer.Length - _length >= Math.Max(size, 1)) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + size));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
