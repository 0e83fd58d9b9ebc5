using System.Buffers.Binary;
using System.Globalization;
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

    /// <summary>
    /// The stream's whole state (open windows, watermark, counters) as every record before it left it: the first record
    /// of every segment but the very first, so replay can start at any segment once the ones before are deleted.
    /// </summary>
    Snapshot = 3,
}

/// <summary>One record read back from the log, with the offset just past it (counted from the log's very start).</summary>
internal sealed record LogRecord(LogRecordKind Kind, byte[] Payload, long EndOffset);

/// <summary>
/// A stream's append-only log on disk: a folder (<c>.ladle/streams/&lt;name&gt;/</c>) of segments named by the offset
/// they start at, each frames of [length][kind][payload][crc32], each batch flushed to the disk (fsync) before its events
/// are acknowledged. Once a segment holds its size of events the next begins with a snapshot of the stream's state, so
/// every segment before a snapshot whose windows (and late events) are all published can be deleted: replay then starts
/// from the snapshot. Opening it reads every whole frame and cuts a torn tail (a frame the process died while writing,
/// which was never acknowledged).
/// </summary>
internal sealed class StreamLog : IDisposable
{
    /// <summary>The largest frame accepted; a bigger length is a torn or foreign file, never a frame.</summary>
    public const int MaxFrame = 256 * 1024 * 1024;

    private const string Extension = ".log";

    private readonly ILogger _logger;
    private readonly long _segmentBytes;
    private readonly List<Segment> _segments;
    private FileStream _file;
    private long _snapshotBytes;

    /// <summary>A segment: where it starts in the log, and the windows and late events its opening snapshot covers.</summary>
    private sealed record Segment(long Base, string Path, long Seq, long LateSeq);

    private StreamLog(string folder, ILogger logger, long segmentBytes, List<Segment> segments, FileStream file, long snapshotBytes)
    {
        Folder = folder;
        _logger = logger;
        _segmentBytes = segmentBytes;
        _segments = segments;
        _file = file;
        _snapshotBytes = snapshotBytes;
    }

    public string Folder { get; }

    /// <summary>The offset the next record starts at, counted from the log's very start (deleted segments included).</summary>
    public long Length => _segments[^1].Base + _file.Length;

    /// <summary>Bytes of the log on disk now (its segments not yet deleted).</summary>
    public long Bytes => Length - _segments[0].Base;

    /// <summary>Segments on disk.</summary>
    public int Segments => _segments.Count;

    /// <summary>True once the current segment holds its size of events: the next record goes to a new one, after a snapshot.</summary>
    public bool RollDue => _file.Length - _snapshotBytes >= _segmentBytes;

    /// <summary>
    /// Opens (creating) the log in <paramref name="folder"/> and returns its whole records, from the oldest segment on
    /// disk; a torn tail is cut and logged. A log of the earlier single-file layout (<c>&lt;folder&gt;.log</c>) becomes its first segment.
    /// </summary>
    public static StreamLog Open(string folder, ILogger logger, out List<LogRecord> records, long segmentBytes = 64L * 1024 * 1024)
    {
        Directory.CreateDirectory(folder);
        var legacy = folder.TrimEnd('/', '\\') + Extension;
        if (File.Exists(legacy) && !Directory.EnumerateFiles(folder, "*" + Extension).Any())
            File.Move(legacy, System.IO.Path.Combine(folder, Name(0)));
        var segments = new List<Segment>();
        foreach (var path in Directory.EnumerateFiles(folder, "*" + Extension))
        {
            var stem = System.IO.Path.GetFileNameWithoutExtension(path);
            if (stem.Length == 20 && long.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out var at)) segments.Add(new Segment(at, path, 0, 0));
        }
        segments.Sort((a, b) => a.Base.CompareTo(b.Base));
        if (segments.Count == 0) segments.Add(new Segment(0, System.IO.Path.Combine(folder, Name(0)), 0, 0));

        records = [];
        FileStream? file = null;
        long snapshotBytes = 0;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (i > 0 && segment.Base != segments[i - 1].Base + new FileInfo(segments[i - 1].Path).Length)
                throw new StreamStateException(System.IO.Path.GetFileName(folder),
                    $"the log segment {segment.Path} does not follow the one before it (a segment between them is missing); restore the missing segment, or move the stream's log folder and its windows table aside to start it afresh");
            var last = i == segments.Count - 1;
            var stream = new FileStream(segment.Path, FileMode.OpenOrCreate, last ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            var (good, first) = ReadFrames(stream, segment.Base, records);
            if (segment.Base > 0 && first is { Kind: LogRecordKind.Snapshot } snapshot)
            {
                segments[i] = segment with { Seq = BinaryPrimitives.ReadInt64LittleEndian(snapshot.Payload), LateSeq = BinaryPrimitives.ReadInt64LittleEndian(snapshot.Payload.AsSpan(8)) };
                if (last) snapshotBytes = snapshot.Payload.Length + 9;
            }
            else if (segment.Base > 0 && good > 0)
            {
                stream.Dispose();
                throw new StreamStateException(System.IO.Path.GetFileName(folder),
                    $"the log segment {segment.Path} does not start with a snapshot, so it cannot be replayed without the segments before it; restore them, or move the stream's log folder and its windows table aside to start it afresh");
            }
            if (good < stream.Length)
            {
                if (!last)
                {
                    stream.Dispose();
                    throw new StreamStateException(System.IO.Path.GetFileName(folder),
                        $"the log segment {segment.Path} is damaged at byte {good} and later segments follow it; restore it from a backup, or move the stream's log folder and its windows table aside to start it afresh");
                }
                Log.TornTail(logger, segment.Path, stream.Length - good);
                stream.SetLength(good);
                stream.Flush(flushToDisk: true);
            }
            if (!last) { stream.Dispose(); continue; }
            if (good == 0 && segments.Count > 1)
            {
                // A segment the process died while starting (its snapshot torn): the one before goes on.
                stream.Dispose();
                File.Delete(segment.Path);
                segments.RemoveAt(i);
                var previous = segments[^1];
                file = new FileStream(previous.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
                snapshotBytes = previous.Base > 0 ? SnapshotLength(file) : 0;
                break;
            }
            file = stream;
        }
        file!.Position = file.Length;
        return new StreamLog(folder, logger, segmentBytes, segments, file, snapshotBytes);
    }

    private static string Name(long at) => at.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>Reads a segment's whole frames into <paramref name="records"/>; returns the bytes they take and the first.</summary>
    private static (long Good, LogRecord? First) ReadFrames(FileStream file, long at, List<LogRecord> records)
    {
        var header = new byte[5];
        var trailer = new byte[4];
        long good = 0;
        LogRecord? first = null;
        file.Position = 0;
        while (true)
        {
            if (file.ReadAtLeast(header, 5, throwOnEndOfStream: false) < 5) break;
            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (length < 0 || length > MaxFrame || header[4] is not ((byte)LogRecordKind.Events or (byte)LogRecordKind.Watermark or (byte)LogRecordKind.Snapshot)) break;
            var payload = new byte[length];
            if (file.ReadAtLeast(payload, length, throwOnEndOfStream: false) < length) break;
            if (file.ReadAtLeast(trailer, 4, throwOnEndOfStream: false) < 4) break;
            if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != Crc32.Compute(header[4], payload)) break;
            good = file.Position;
            var record = new LogRecord((LogRecordKind)header[4], payload, at + good);
            first ??= record;
            records.Add(record);
        }
        return (good, first);
    }

    private static long SnapshotLength(FileStream file)
    {
        var header = new byte[4];
        file.Position = 0;
        file.ReadExactly(header);
        return BinaryPrimitives.ReadInt32LittleEndian(header) + 9L;
    }

    /// <summary>Appends one record and flushes it to the disk; returns the offset just past it.</summary>
    public long Append(LogRecordKind kind, ReadOnlySpan<byte> payload)
    {
        Write(_file, kind, payload, flush: true);
        return Length;
    }

    /// <summary>
    /// Appends one record without flushing it to the disk (see <see cref="Tail"/>); returns the offset just past it. Batches
    /// written meanwhile by other requests share the one flush that follows (group commit).
    /// </summary>
    public long Write(LogRecordKind kind, ReadOnlySpan<byte> payload)
    {
        Write(_file, kind, payload, flush: false);
        return Length;
    }

    /// <summary>The segment being written and the log's length now: flushing that file makes every record up to the length durable.</summary>
    public (FileStream File, long Length) Tail => (_file, Length);

    private static void Write(FileStream file, LogRecordKind kind, ReadOnlySpan<byte> payload, bool flush = true)
    {
        if (payload.Length > MaxFrame) throw new IOException($"a log record of {payload.Length} bytes is larger than a frame may be ({MaxFrame} bytes)");
        var frame = new byte[payload.Length + 9];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        frame[4] = (byte)kind;
        payload.CopyTo(frame.AsSpan(5));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5 + payload.Length), Crc32.Compute((byte)kind, payload));
        var start = file.Position;
        try
        {
            file.Write(frame);
            if (flush) file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // Nothing of a failed append may stay: a later frame would follow bytes replay cannot read.
            try { file.SetLength(start); file.Position = start; } catch (IOException) { }
            throw;
        }
    }

    /// <summary>
    /// Starts the next segment with <paramref name="snapshot"/>, the stream's state as every record so far left it,
    /// covering windows up to <paramref name="seq"/> and late events up to <paramref name="lateSeq"/> (its first 16 bytes).
    /// </summary>
    public void Roll(byte[] snapshot, long seq, long lateSeq)
    {
        var at = Length;
        var path = System.IO.Path.Combine(Folder, Name(at));
        var next = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        try
        {
            Write(next, LogRecordKind.Snapshot, snapshot);
        }
        catch (IOException)
        {
            next.Dispose();
            try { File.Delete(path); } catch (IOException) { }
            throw;
        }
        // Records written to the segment before are made durable with it: a flush under way on it may find it closed.
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        _file = next;
        _snapshotBytes = next.Length;
        _segments.Add(new Segment(at, path, seq, lateSeq));
    }

    /// <summary>
    /// Deletes every segment before the newest one whose snapshot covers only windows up to <paramref name="windowsDone"/>
    /// and late events up to <paramref name="lateDone"/> (published, so replay need not emit them again); returns how many.
    /// </summary>
    public int Compact(long windowsDone, long lateDone)
    {
        var keep = -1;
        for (var i = _segments.Count - 1; i > 0; i--)
            if (_segments[i].Seq <= windowsDone && _segments[i].LateSeq <= lateDone) { keep = i; break; }
        if (keep <= 0) return 0;
        var deleted = 0;
        while (deleted < keep)
        {
            // The oldest goes first: a crash midway leaves a log that still starts at a segment replay can begin with.
            File.Delete(_segments[0].Path);
            Log.SegmentDeleted(_logger, _segments[0].Path, _segments[1].Seq);
            _segments.RemoveAt(0);
            deleted++;
        }
        return deleted;
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

    public void Dispose()
    {
        try { _file.Flush(flushToDisk: true); }
        catch (IOException) { /* what was not flushed was not acknowledged */ }
        _file.Dispose();
    }
}
