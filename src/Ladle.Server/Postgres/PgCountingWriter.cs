using System.Buffers;

namespace Ladle.Server.Postgres;

/// <summary>Passes writes through to the connection's writer and counts the bytes, for the audit of what a statement sent.</summary>
internal sealed class PgCountingWriter(IBufferWriter<byte> inner) : IBufferWriter<byte>
{
    /// <summary>Bytes written through this writer so far.</summary>
    public long Bytes { get; private set; }

    public void Advance(int count)
    {
        inner.Advance(count);
        Bytes += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
}
