namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// A write-only, seekless <see cref="Stream"/> over an <see cref="OutputBuffer"/>, for libraries that write
/// and flush synchronously (Parquet.Net, <see cref="System.IO.Compression.ZipArchive"/>). Synchronous calls
/// only fill memory; bytes reach the response body when the encoder awaits <see cref="FlushAsync(CancellationToken)"/>
/// or when an asynchronous write finds the buffer full.
/// </summary>
internal sealed class BufferedOutputStream(OutputBuffer pending) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();

    /// <summary>Bytes written so far; Parquet.Net and ZipArchive read it to record offsets.</summary>
    public override long Position
    {
        get => pending.TotalWritten;
        set => throw new NotSupportedException();
    }

    // Libraries call Flush at points of their choosing (Parquet.Net before every page header). Pushing to
    // the body here would be a synchronous write, so it is a no-op; the encoder drains asynchronously.
    public override void Flush() { }

    public override Task FlushAsync(CancellationToken cancellationToken) => pending.FlushAsync(cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => pending.Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => pending.Write(buffer);

    public override void WriteByte(byte value) => pending.WriteByte(value);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        pending.Write(buffer.Span);
        return pending.FlushIfFullAsync(cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
