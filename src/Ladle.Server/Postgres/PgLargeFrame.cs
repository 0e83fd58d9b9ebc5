using System.Buffers;
using System.IO.Pipelines;

namespace Ladle.Server.Postgres;

/// <summary>
/// Gathers a front-end frame too large to wait for inside the transport's pipe (a Bind with megabytes of values): the
/// pipe stops reading from the socket once it holds its own limit (1 MiB by default), so a frame past that would
/// never arrive whole. Its bytes are copied out as they come, in a buffer that grows with what was received (not with
/// what the header claims), and parsed once complete. This keeps the socket transport's defaults for every endpoint.
/// </summary>
internal static class PgLargeFrame
{
    /// <summary>Frames that need more than this are gathered here rather than waited for in the pipe.</summary>
    public const int Threshold = 256 * 1024;

    /// <summary>
    /// Takes <paramref name="start"/> (the frame's first bytes, from the current read) and reads on until the frame's
    /// <paramref name="length"/> bytes are all there; null when the connection ended first. Advances <paramref name="input"/> past them.
    /// </summary>
    public static async Task<ReadOnlySequence<byte>?> ReadAsync(PipeReader input, ReadOnlySequence<byte> start, int length, CancellationToken cancellationToken)
    {
        var frame = new ArrayBufferWriter<byte>((int)Math.Max(start.Length * 2, 64 * 1024));
        foreach (var segment in start) frame.Write(segment.Span);
        input.AdvanceTo(start.End);
        while (frame.WrittenCount < length)
        {
            var read = await input.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            var take = buffer.Slice(0, Math.Min(buffer.Length, length - frame.WrittenCount));
            foreach (var segment in take) frame.Write(segment.Span);
            input.AdvanceTo(take.End);
            if (frame.WrittenCount < length && (read.IsCompleted || read.IsCanceled)) return null;
        }

        return new ReadOnlySequence<byte>(frame.WrittenMemory);
    }
}
