using System.Buffers.Binary;
using Ladle.Streams.Internal;
using Microsoft.Extensions.Logging;

namespace Ladle.Streams.Storage;

/// <summary>What one record of a stream's log holds.</summary>
internal enum LogRecordKind : byte
{
    /// <summary>A batch of accepted events, each as its JSON text.</summary>
    Events = 1,

    /// <summary>The watermark advanced by the idle timeout (wall clock), so replay closes the same windows.</summary>
    Watermark = 2,
}

/// <summary>One record read back from the log, with the offset just past it.</summary>
internal sealed record LogRecord(LogRecordKind Kind, byte[] Payload, long EndOffset);

/// <summary>
/// A stream's append-only log on disk (<c>.ladle/streams/&lt;name&gt;.log</c>): frames of [length][kind][payload][crc32],
/// each batch flushed to the disk (fsync) before its events are acknowledged. Opening it reads every whole frame and
/// cuts a torn tail (a frame the process died while writing, which was never acknowledged).
/// </summary>
internal sealed class StreamLog : IDisposable
{
    /// <summary>The largest frame accepted; a bigger length is a torn or foreign file, never a frame.</summary>
    public const int MaxFrame = 64 * 1024 * 1024;

    private readonly FileStream _file;

    private StreamLog(FileStream file, string path)
    {
        _file = file;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Bytes of whole frames in the log: the offset the next record starts at.</summary>
    public long Length => _file.Length;

    /// <summary>Opens (creating) the log and returns its whole records; a torn tail is cut and logged.</summary>
    public static StreamLog Open(string path, ILogger logger, out List<LogRecord> records)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        records = [];
        var header = new byte[5];
        var trailer = new byte[4];
        long good = 0;
        file.Position = 0;
        while (true)
        {
            if (file.ReadAtLeast(header, 5, throwOnEndOfStream: false) < 5) break;
            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (length < 0 || length > MaxFrame || header[4] is not ((byte)LogRecordKind.Events or (byte)LogRecordKind.Watermark)) break;
            var payload = new byte[length];
            if (file.ReadAtLeast(payload, length, throwOnEndOfStream: false) < length) break;
            if (file.ReadAtLeast(trailer, 4, throwOnEndOfStream: false) < 4) break;
            if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != Crc32.Compute(header[4], payload)) break;
            good = file.Position;
            records.Add(new LogRecord((LogRecordKind)header[4], payload, good));
        }
        if (good < file.Length)
        {
            Log.TornTail(logger, path, file.Length - good);
            file.SetLength(good);
            file.Flush(flushToDisk: true);
        }
        file.Position = good;
        return new StreamLog(file, path);
    }

    /// <summary>Appends one record and flushes it to the disk; returns the offset just past it.</summary>
    public long Append(LogRecordKind kind, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[payload.Length + 9];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        frame[4] = (byte)kind;
        payload.CopyTo(frame.AsSpan(5));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5 + payload.Length), Crc32.Compute((byte)kind, payload));
        var start = _file.Position;
        try
        {
            _file.Write(frame);
            _file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // Nothing of a failed append may stay: a later frame would follow bytes replay cannot read.
            try { _file.SetLength(start); _file.Position = start; } catch (IOException) { }
            throw;
        }
        return _file.Position;
    }

    /// <summary>The payload of an events record: [count] then each event as [length][JSON text].</summary>
    public static byte[] EventsPayload(IReadOnlyList<ReadOnlyMemory<byte>> events)
    {
        var size = 4 + events.Sum(e => 4 + e.Length);
        var payload = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(payload, events.Count);
        var at = 4;
        foreach (var e in events)
        {
            BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(at), e.Length);
            e.Span.CopyTo(payload.AsSpan(at + 4));
            at += 4 + e.Length;
        }
        return payload;
    }

    /// <summary>The events of an events record's payload, each as its JSON text.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> ReadEvents(byte[] payload)
    {
        var count = BinaryPrimitives.ReadInt32LittleEndian(payload);
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(at));
            yield return payload.AsMemory(at + 4, length);
            at += 4 + length;
        }
    }

    public void Dispose() => _file.Dispose();
}
