namespace Ladle.Engine.Tests.Encoders;

/// <summary>
/// Stands in for an ASP.NET Core response body: write-only, not seekable, and throwing on every
/// synchronous write or flush, so a test fails if an encoder ever blocks on the body.
/// </summary>
internal sealed class AsyncOnlyStream(MemoryStream inner) : Stream
{
    public AsyncOnlyStream() : this(new MemoryStream()) { }

    /// <summary>Bytes received so far.</summary>
    public long Received => inner.Length;

    public int AsyncWrites { get; private set; }

    public byte[] ToArray() => inner.ToArray();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => throw new InvalidOperationException("synchronous Flush on the response body");
    public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous Write on the response body");
    public override void Write(ReadOnlySpan<byte> buffer) => throw new InvalidOperationException("synchronous Write on the response body");
    public override void WriteByte(byte value) => throw new InvalidOperationException("synchronous WriteByte on the response body");

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        AsyncWrites++;
        await Task.Yield();
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
