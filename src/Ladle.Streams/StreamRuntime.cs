using Ladle.Core.Errors;
using Ladle.Core.Model.Streams;
using Ladle.Streams.Ingest;
using Ladle.Streams.Internal;
using Ladle.Streams.Storage;
using Ladle.Streams.Output;
using Ladle.Streams.Windows;
using Microsoft.Extensions.Logging;

namespace Ladle.Streams;

/// <summary>
/// One stream at run time: a batch is parsed and checked, applied to the windows, written to the log and flushed
/// to the disk, and only then answered and its closed windows handed to the output; all under one lock, so the log's
/// order is the order the windows saw. The idle timeout's watermark moves are logged the same way, so replaying the
/// log at start rebuilds the same windows and numbers the same closed windows.
/// </summary>
public sealed class StreamRuntime : IDisposable
{
    private readonly object _gate = new();
    // One flush to the disk at a time; batches written meanwhile wait for the next, which covers them all.
    private readonly object _syncGate = new();
    // Offset up to which the log is on the disk; rows closed by records past it wait in _owed (in log order).
    private long _durable;
    private readonly Queue<(long Offset, List<WindowRow>? Rows, List<LateRow>? Late)> _owed = new();
    private readonly EventParser _parser;
    private readonly WindowEngine _engine;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Action<IReadOnlyList<WindowRow>> _emit;
    private readonly long[] _ratePerSecond = new long[16];
    private readonly long[] _rateSecond = new long[16];
    private StreamLog? _log;
    private DateTimeOffset _lastArrival;
    private long _seq;
    private long _accepted, _rejected, _late;
    private string? _failure;

    private readonly Alerts.SilenceTracker? _silence;

    private readonly Action<IReadOnlyList<LateRow>>? _lateEmit;
    private long _lateSeq;

    internal StreamRuntime(StreamDefinition stream, TimeProvider clock, ILogger logger, Action<IReadOnlyList<WindowRow>> emit,
        Alerts.SilenceTracker? silence = null, Action<IReadOnlyList<LateRow>>? late = null)
    {
        _lateEmit = stream.Late == LatePolicy.SideDataset ? late : null;
        _silence = silence is { Any: true } ? silence : null;
        Definition = stream;
        _parser = new EventParser(stream);
        _engine = new WindowEngine(stream);
        _clock = clock;
        _logger = logger;
        _emit = emit;
        _lastArrival = clock.GetUtcNow();
    }

    public StreamDefinition Definition { get; }

    /// <summary>The number of the last window closed (emitted), published or not.</summary>
    public long LastSeq { get { lock (_gate) return _seq; } }

    /// <summary>
    /// Opens the log and replays it: windows numbered up to <paramref name="written"/> are already in the store and
    /// are not emitted again; later ones are. Returns the count of windows emitted by the replay.
    /// </summary>
    internal long Open(string path, long written, long lateWritten = 0)
    {
        lock (_gate)
        {
            _log = StreamLog.Open(path, _logger, out var records, Definition.LogSegmentBytes);
            if (_silence is not null) _silence.Quiet = true;
            var closed = new List<ClosedWindow>();
            var owed = new List<WindowRow>();
            var lateOwed = new List<LateRow>();
            var first = true;
            foreach (var record in records)
            {
                closed.Clear();
                if (record.Kind == LogRecordKind.Snapshot)
                {
                    // The log starts here once the segments before were deleted; later snapshots say what replay already rebuilt.
                    if (first) Restore(record.Payload);
                    first = false;
                    continue;
                }
                first = false;
                if (record.Kind == LogRecordKind.Events)
                {
                    foreach (var raw in StreamLog.ReadEvents(record.Payload))
                    {
                        // The log holds only events that were valid and accepted, so they parse and apply as they did.
                        if (_parser.ParseOne(raw, 0, out _) is not { } e) continue;
                        switch (_engine.Apply(e.Values, e.EventTicks, closed))
                        {
                            case EventOutcome.Accepted:
                                _accepted++;
                                _silence?.Seen(_engine.KeyOf(e.Values), _engine.KeyValues(e.Values), e.EventTicks);
                                break;
                            case EventOutcome.Late:
                                // Only a side-dataset stream logs its late events; they are late again, numbered as before.
                                _late++;
                                if (++_lateSeq > lateWritten && _lateEmit is not null) lateOwed.Add(new LateRow(_lateSeq, e.Values));
                                break;
                        }
                    }
                }
                else _engine.AdvanceTo(BitConverter.ToInt64(record.Payload), closed);
                foreach (var window in closed)
                {
                    var row = new WindowRow(++_seq, window, record.EndOffset, _engine.Watermark);
                    if (row.Seq > written) owed.Add(row);
                }
            }
            if (_seq < written)
                throw new StreamStateException(Definition.Name,
                    $"stream '{Definition.Name}': the store holds {written} closed window(s) but its log ({path}) explains only {_seq}; the log was lost or replaced, " +
                    "or the stream's window definition changed. Restore the log, or move the stream's log and its windows table aside to start it afresh");
            _durable = _log.Length;
            Log.Replayed(_logger, Definition.Name, records.Count, Math.Min(written, _seq), owed.Count);
            _silence?.Reconcile(_engine.Watermark);
            if (owed.Count > 0) _emit(owed);
            if (lateOwed.Count > 0) _lateEmit!(lateOwed);
            return owed.Count;
        }
    }

    /// <summary>Takes one batch (NDJSON or a JSON array): answered only once its accepted events are on the disk.</summary>
    public IngestResult Ingest(ReadOnlyMemory<byte> body)
    {
        var errors = new List<EventError>();
        var events = _parser.Parse(body, errors, out var rejected);
        IngestResult result;
        long end;
        if (rejected > 0 && Definition.BadEvents == BadEventsPolicy.RefuseBatch)
        {
            lock (_gate) _rejected += rejected + events.Count;
            return new IngestResult(0, rejected + events.Count, 0, errors) { Refused = true };
        }
        lock (_gate)
        {
            if (_failure is not null || _log is null)
                throw _failure is not null
                    ? new StreamUnavailableException(Definition.Name, _failure)
                    : new StreamUnavailableException(Definition.Name, $"stream '{Definition.Name}' is replaying its log at start; try again shortly", StreamService.OpeningRetry);
            if (!RollIfDue()) throw new StreamUnavailableException(Definition.Name, _failure!);
            var accepted = new List<ReadOnlyMemory<byte>>(events.Count);
            // What the log takes: the accepted events and, for a side-dataset stream, the late ones, in the batch's order.
            var logged = new List<ReadOnlyMemory<byte>>(events.Count);
            List<LateRow>? lateRows = null;
            var closed = new List<ClosedWindow>();
            long late = 0;
            foreach (var e in events)
            {
                switch (_engine.Apply(e.Values, e.EventTicks, closed))
                {
                    case EventOutcome.Accepted:
                        accepted.Add(e.Raw);
                        logged.Add(e.Raw);
                        _silence?.Seen(_engine.KeyOf(e.Values), _engine.KeyValues(e.Values), e.EventTicks);
                        break;
                    case EventOutcome.Late:
                        late++;
                        if (_lateEmit is not null)
                        {
                            logged.Add(e.Raw);
                            (lateRows ??= []).Add(new LateRow(++_lateSeq, e.Values));
                        }
                        break;
                    case EventOutcome.TooManyWindows:
                        rejected++;
                        if (errors.Count < EventParser.MaxReasons)
                            errors.Add(new EventError(e.Line, $"stream '{Definition.Name}' holds {_engine.OpenWindows} open windows, its max_open_windows; the event would open another (raise max_open_windows, or shorten allowed_lateness)"));
                        break;
                    case EventOutcome.TooManyKeys:
                        rejected++;
                        if (errors.Count < EventParser.MaxReasons)
                            errors.Add(new EventError(e.Line, $"stream '{Definition.Name}' has {_engine.Keys} keys with open windows, its max_keys; the event has a new key (check the key columns {string.Join(", ", Definition.Keys)}: a key space that explodes is usually the wrong column, or raise max_keys)"));
                        break;
                }
            }
            long offset;
            try
            {
                offset = logged.Count > 0 ? _log.Write(LogRecordKind.Events, StreamLog.EventsPayload(logged)) : _log.Length;
            }
            catch (IOException e)
            {
                // The windows already hold these events but the log does not: nothing more may leave until a restart
                // rebuilds the windows from the log.
                _failure = $"stream '{Definition.Name}' could not write its log ({e.Message}); restart Ladle to replay the log";
                Log.LogFailed(_logger, e, Definition.Name);
                throw new StreamUnavailableException(Definition.Name, _failure);
            }
            _accepted += accepted.Count;
            _rejected += rejected;
            _late += late;
            _lastArrival = _clock.GetUtcNow();
            CountRate(accepted.Count);
            Owe(closed, offset, lateRows);
            _silence?.Check(_engine.Watermark);
            result = new IngestResult(accepted.Count, rejected, late, errors);
            end = offset;
        }
        // Answered once on the disk, with whatever other requests wrote meanwhile in the same flush.
        MakeDurable(end);
        EmitDurable();
        return result;
    }

    /// <summary>Numbers the windows a record closed (in log order) and holds them, with its late events, until the record is on the disk.</summary>
    private void Owe(List<ClosedWindow> closed, long offset, List<LateRow>? late)
    {
        List<WindowRow>? rows = null;
        if (closed.Count > 0)
        {
            rows = new List<WindowRow>(closed.Count);
            foreach (var window in closed) rows.Add(new WindowRow(++_seq, window, offset, _engine.Watermark));
        }
        if (rows is not null || late is not null) _owed.Enqueue((offset, rows, late));
    }

    /// <summary>Flushes the log to the disk up to <paramref name="offset"/>, unless a flush already covered it.</summary>
    private void MakeDurable(long offset)
    {
        if (Interlocked.Read(ref _durable) >= offset) return;
        lock (_syncGate)
        {
            if (Interlocked.Read(ref _durable) >= offset) return;
            FileStream file;
            long upTo;
            lock (_gate)
            {
                if (_failure is not null || _log is null) throw new StreamUnavailableException(Definition.Name, _failure ?? $"stream '{Definition.Name}' is closed");
                (file, upTo) = _log.Tail;
            }
            try { file.Flush(flushToDisk: true); }
            catch (ObjectDisposedException) { /* a new segment began: the old one was flushed before it closed */ }
            catch (IOException e)
            {
                // Written but maybe not on the disk: nothing more may leave until a restart replays what the log holds.
                lock (_gate) _failure = $"stream '{Definition.Name}' could not write its log ({e.Message}); restart Ladle to replay the log";
                Log.LogFailed(_logger, e, Definition.Name);
                throw new StreamUnavailableException(Definition.Name, _failure);
            }
            Durable(upTo);
        }
    }

    private void Durable(long upTo)
    {
        var seen = Interlocked.Read(ref _durable);
        while (seen < upTo)
        {
            var was = Interlocked.CompareExchange(ref _durable, upTo, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>Hands the rows of records now on the disk to the output, in log order.</summary>
    private void EmitDurable()
    {
        lock (_gate)
        {
            var durable = Interlocked.Read(ref _durable);
            while (_failure is null && _owed.Count > 0 && _owed.Peek().Offset <= durable)
            {
                var (_, rows, late) = _owed.Dequeue();
                if (rows is not null) _emit(rows);
                if (late is not null) _lateEmit!(late);
            }
        }
    }

    /// <summary>
    /// The idle timeout: once nothing arrived for idle_timeout, event time is taken to move on with the wall clock from
    /// the newest event, so every open window closes by its end plus the allowed lateness (plus the timeout) with no
    /// further input. The move is logged first, so replay closes the same windows.
    /// </summary>
    public void Tick()
    {
        long end;
        lock (_gate)
        {
            if (_failure is not null || _log is null || _engine.MaxEventTime == long.MinValue) return;
            var idle = _clock.GetUtcNow() - _lastArrival;
            if (idle < Definition.IdleTimeout) return;
            var target = _engine.MaxEventTime + idle.Ticks - Definition.AllowedLateness.Ticks;
            // Silence is judged on the same clock-advanced event time, even once every window has closed.
            _silence?.Check(Math.Max(target, _engine.Watermark));
            if (_engine.OpenWindows == 0) return;
            if (target <= _engine.Watermark) return;
            if (!RollIfDue()) return;
            var closed = new List<ClosedWindow>();
            try
            {
                end = _log.Write(LogRecordKind.Watermark, BitConverter.GetBytes(target));
            }
            catch (IOException e)
            {
                _failure = $"stream '{Definition.Name}' could not write its log ({e.Message}); restart Ladle to replay the log";
                Log.LogFailed(_logger, e, Definition.Name);
                return;
            }
            _engine.AdvanceTo(target, closed);
            Owe(closed, end, null);
        }
        try { MakeDurable(end); }
        catch (StreamUnavailableException) { return; }
        EmitDurable();
    }

    /// <summary>
    /// Starts the log's next segment once the current one is full, with a snapshot of the state as every record so far
    /// left it (taken before the next batch touches the windows); false, with the stream failed, when it cannot be written.
    /// </summary>
    private bool RollIfDue()
    {
        if (!_log!.RollDue) return true;
        try
        {
            _log.Roll(Snapshot(), _seq, _lateSeq);
            Durable(_log.Length);
            return true;
        }
        catch (IOException e)
        {
            _failure = $"stream '{Definition.Name}' could not write its log ({e.Message}); restart Ladle to replay the log";
            Log.LogFailed(_logger, e, Definition.Name);
            return false;
        }
    }

    /// <summary>The state as a snapshot: [windows emitted][late events numbered] (read by the log), counters, windows, silences.</summary>
    private byte[] Snapshot()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(_seq);
            writer.Write(_lateSeq);
            writer.Write(_accepted);
            writer.Write(_late);
            _engine.Write(writer);
            writer.Write(_silence is not null);
            _silence?.Write(writer);
        }
        return buffer.ToArray();
    }

    private void Restore(byte[] snapshot)
    {
        using var reader = new BinaryReader(new MemoryStream(snapshot), System.Text.Encoding.UTF8);
        _seq = reader.ReadInt64();
        _lateSeq = reader.ReadInt64();
        _accepted = reader.ReadInt64();
        _late = reader.ReadInt64();
        _engine.Read(reader);
        if (reader.ReadBoolean()) _silence?.Read(reader);
    }

    /// <summary>
    /// Deletes the log's segments that replay no longer needs: those before a snapshot whose windows are all published
    /// (<paramref name="windowsPublished"/>) and, for a side-dataset stream, whose late events are (<paramref name="latePublished"/>).
    /// </summary>
    public int Compact(long windowsPublished, long latePublished)
    {
        lock (_gate)
        {
            if (_log is null || _failure is not null) return 0;
            try { return _log.Compact(windowsPublished, latePublished); }
            catch (IOException e)
            {
                // Nothing is lost by keeping a segment: it is tried again at the next tick.
                Log.CompactFailed(_logger, e, Definition.Name);
                return 0;
            }
        }
    }

    private void CountRate(long count)
    {
        var second = _clock.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(second % _ratePerSecond.Length);
        if (_rateSecond[slot] != second) { _rateSecond[slot] = second; _ratePerSecond[slot] = 0; }
        _ratePerSecond[slot] += count;
    }

    /// <summary>The stream's figures now, with what the output and live feed know.</summary>
    internal StreamStatus Status(long published, int subscribers, long dropped)
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            var second = now.ToUnixTimeSeconds();
            long recent = 0;
            for (var i = 0; i < _ratePerSecond.Length; i++)
                if (_rateSecond[i] < second && _rateSecond[i] >= second - 10) recent += _ratePerSecond[i];
            DateTimeOffset? watermark = _engine.Watermark == long.MinValue ? null : new DateTimeOffset(_engine.Watermark, TimeSpan.Zero);
            return new StreamStatus(Definition.Name, Definition.Dataset, _accepted, _rejected, _late, recent / 10.0, watermark,
                watermark is { } w ? (now - w).TotalSeconds : null, _engine.OpenWindows, _engine.Keys, _seq, published, subscribers, dropped,
                _log?.Bytes ?? 0, _failure) { LogSegments = _log?.Segments ?? 0 };
        }
    }

    public void Dispose()
    {
        lock (_gate) _log?.Dispose();
    }
}
