namespace Ladle.Engine.Encoding;

/// <summary>
/// A write-only stream that keeps what libraries write to it (synchronously or not) until
/// <see cref="DrainAsync"/> sends it on asynchronously. It reports its position (bytes written so far) but
/// cannot seek, like the HTTP response it stands in for.
/// </summary>
internal sealed class PendingBytesStream : Stream
{
    private readonly MemoryStream _pending = new();
    private long _position;

    public long PendingLength => _pending.Length;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _position;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _pending.Write(buffer);
        _position += buffer.Length;
    }

    public override void WriteByte(byte value)
    {
        _pending.WriteByte(value);
        _position++;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends everything written so far to <paramref name="output"/>.</summary>
    public async ValueTask DrainAsync(Stream output, CancellationToken cancellationToken)
    {
        if (_pending.Length == 0) return;
        await output.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
        _pending.SetLength(0);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _pending.Dispose();
        base.Dispose(disposing);
    }
}
