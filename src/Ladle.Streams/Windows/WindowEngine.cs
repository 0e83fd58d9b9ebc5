using System.Globalization;
using System.Text;
using Ladle.Core.Model.Streams;

namespace Ladle.Streams.Windows;

/// <summary>
/// A stream's open windows per key, updated incrementally per event (nothing is recomputed from rows). The watermark
/// is the newest event time less the allowed lateness (or later, when the idle timeout advanced it); a window closes
/// once the watermark reaches its end, in the order (end, start, key), so replaying the same log closes the same
/// windows in the same order. Processing is deterministic: it depends on the events' order only, never on the clock.
/// </summary>
internal sealed class WindowEngine
{
    private static readonly long Epoch = DateTime.UnixEpoch.Ticks;

    private readonly StreamDefinition _stream;
    private readonly AggregateSpec[] _specs;
    private readonly int[] _keyColumns;
    private readonly long _size, _slide, _gap, _lateness;
    private readonly Dictionary<string, KeyWindows> _keys = new(StringComparer.Ordinal);
    private readonly SortedSet<(long End, long Start, string Key)> _byEnd = new(new EndOrder());

    public WindowEngine(StreamDefinition stream)
    {
        _stream = stream;
        _specs = AggregateSpec.For(stream);
        _keyColumns = stream.Keys.Select(k => stream.Columns.ToList().FindIndex(c => string.Equals(c.Name, k, StringComparison.OrdinalIgnoreCase))).ToArray();
        _size = stream.Window.Size.Ticks;
        _slide = stream.Window.Slide.Ticks;
        _gap = stream.Window.Gap.Ticks;
        _lateness = stream.AllowedLateness.Ticks;
    }

    /// <summary>Event time up to which every window is closed (UTC ticks); <see cref="long.MinValue"/> before any event.</summary>
    public long Watermark { get; private set; } = long.MinValue;

    /// <summary>The newest event time seen (UTC ticks).</summary>
    public long MaxEventTime { get; private set; } = long.MinValue;

    public int OpenWindows => _byEnd.Count;

    public int Keys => _keys.Count;

    /// <summary>Adds an event to its windows (or says why not, changing nothing) and closes what the new watermark passes.</summary>
    public EventOutcome Apply(object?[] values, long time, List<ClosedWindow> closed)
    {
        var keyText = KeyText(values);
        _keys.TryGetValue(keyText, out var key);
        var outcome = _stream.Window.Kind == WindowKind.Session ? AddToSession(ref key, keyText, values, time) : AddToFixed(ref key, keyText, values, time);
        if (outcome != EventOutcome.Accepted) return outcome;
        if (time > MaxEventTime) MaxEventTime = time;
        AdvanceTo(time == long.MinValue ? time : time - _lateness, closed);
        return outcome;
    }

    /// <summary>Moves the watermark forward (never back) and closes every window it passes.</summary>
    public void AdvanceTo(long watermark, List<ClosedWindow> closed)
    {
        if (watermark <= Watermark) return;
        Watermark = watermark;
        while (_byEnd.Count > 0 && _byEnd.Min.End <= Watermark)
        {
            var (end, start, keyText) = _byEnd.Min;
            _byEnd.Remove(_byEnd.Min);
            var key = _keys[keyText];
            Window window;
            if (key.Sessions is { } sessions)
            {
                var index = sessions.FindIndex(s => s.Start == start);
                window = sessions[index];
                sessions.RemoveAt(index);
            }
            else
            {
                window = key.Fixed![start];
                key.Fixed.Remove(start);
            }
            if (key.Count == 0) _keys.Remove(keyText);
            closed.Add(new ClosedWindow(key.Values, window.Start, end, window.State.Results()));
        }
    }

    private EventOutcome AddToFixed(ref KeyWindows? key, string keyText, object?[] values, long time)
    {
        // The windows holding `time` start at the slide boundaries in (time - size, time].
        var last = Epoch + FloorDiv(time - Epoch, _slide) * _slide;
        var open = 0;
        var opening = 0;
        for (var start = last; start > time - _size; start -= _slide)
        {
            if (start + _size <= Watermark) continue;
            open++;
            if (key?.Fixed!.ContainsKey(start) != true) opening++;
        }
        if (open == 0) return EventOutcome.Late;
        if (Check(key, opening) is { } refused) return refused;
        key ??= NewKey(keyText, values);
        for (var start = last; start > time - _size; start -= _slide)
        {
            if (start + _size <= Watermark) continue;
            if (!key.Fixed!.TryGetValue(start, out var window))
            {
                window = new Window(start, new Accumulator(_specs));
                key.Fixed[start] = window;
                _byEnd.Add((start + _size, start, keyText));
            }
            window.State.Add(values);
        }
        return EventOutcome.Accepted;
    }

    private EventOutcome AddToSession(ref KeyWindows? key, string keyText, object?[] values, long time)
    {
        if (time < Watermark) return EventOutcome.Late;
        // The event spans [time, time + gap); every open session it overlaps joins it into one.
        var overlapping = key?.Sessions!.Where(s => time < s.Last + _gap && s.Start < time + _gap).ToList() ?? [];
        if (overlapping.Count == 0 && Check(key, 1) is { } refused) return refused;
        key ??= NewKey(keyText, values);
        var sessions = key.Sessions!;
        Window target;
        if (overlapping.Count == 0)
        {
            target = new Window(time, new Accumulator(_specs)) { Last = time };
            sessions.Add(target);
        }
        else
        {
            target = overlapping[0];
            _byEnd.Remove((target.Last + _gap, target.Start, keyText));
            foreach (var other in overlapping.Skip(1))
            {
                _byEnd.Remove((other.Last + _gap, other.Start, keyText));
                sessions.Remove(other);
                target.State.Merge(other.State);
                target.Start = Math.Min(target.Start, other.Start);
                target.Last = Math.Max(target.Last, other.Last);
            }
            target.Start = Math.Min(target.Start, time);
            target.Last = Math.Max(target.Last, time);
        }
        target.State.Add(values);
        _byEnd.Add((target.Last + _gap, target.Start, keyText));
        return EventOutcome.Accepted;
    }

    private EventOutcome? Check(KeyWindows? key, int opening)
    {
        if (opening == 0) return null;
        if (key is null && _keys.Count >= _stream.MaxKeys) return EventOutcome.TooManyKeys;
        if (_byEnd.Count + opening > _stream.MaxOpenWindows) return EventOutcome.TooManyWindows;
        return null;
    }

    private KeyWindows NewKey(string keyText, object?[] values)
    {
        var key = new KeyWindows(_keyColumns.Select(i => values[i]).ToArray(), _stream.Window.Kind == WindowKind.Session);
        _keys[keyText] = key;
        return key;
    }

    /// <summary>Writes the watermark and every open window, per key, to a snapshot.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(Watermark);
        writer.Write(MaxEventTime);
        writer.Write(_keys.Count);
        foreach (var (keyText, key) in _keys)
        {
            writer.Write(keyText);
            Internal.ValueCodec.WriteRow(writer, key.Values);
            IEnumerable<Window> windows = key.Fixed is { } fixedWindows ? fixedWindows.Values : key.Sessions!;
            writer.Write(key.Count);
            foreach (var window in windows)
            {
                writer.Write(window.Start);
                writer.Write(window.Last);
                window.State.Write(writer);
            }
        }
    }

    /// <summary>Takes the state a snapshot holds (the engine must be new).</summary>
    public void Read(BinaryReader reader)
    {
        Watermark = reader.ReadInt64();
        MaxEventTime = reader.ReadInt64();
        var keys = reader.ReadInt32();
        for (var k = 0; k < keys; k++)
        {
            var keyText = reader.ReadString();
            var key = new KeyWindows(Internal.ValueCodec.ReadRow(reader), _stream.Window.Kind == WindowKind.Session);
            _keys[keyText] = key;
            var count = reader.ReadInt32();
            for (var w = 0; w < count; w++)
            {
                var start = reader.ReadInt64();
                var last = reader.ReadInt64();
                var window = new Window(start, Accumulator.Read(_specs, reader)) { Last = last };
                if (key.Fixed is { } fixedWindows)
                {
                    fixedWindows[window.Start] = window;
                    _byEnd.Add((window.Start + _size, window.Start, keyText));
                }
                else
                {
                    key.Sessions!.Add(window);
                    _byEnd.Add((window.Last + _gap, window.Start, keyText));
                }
            }
        }
    }

    /// <summary>The key an event's values belong to, as the windows name it.</summary>
    public string KeyOf(object?[] values) => KeyText(values);

    /// <summary>The key columns' values of an event.</summary>
    public object?[] KeyValues(object?[] values) => _keyColumns.Select(i => values[i]).ToArray();

    private string KeyText(object?[] values)
    {
        if (_keyColumns.Length == 0) return "";
        // One text key names itself: no text is built per event.
        if (_keyColumns.Length == 1 && values[_keyColumns[0]] is string single) return single;
        var text = new StringBuilder();
        foreach (var i in _keyColumns)
        {
            text.Append(values[i] switch
            {
                DateTime t => t.Ticks.ToString(CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var v => v?.ToString(),
            });
            text.Append('\u001f');
        }
        return text.ToString();
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private sealed class Window(long start, Accumulator state)
    {
        public long Start { get; set; } = start;
        public long Last { get; set; }
        public Accumulator State { get; } = state;
    }

    private sealed class KeyWindows(object?[] values, bool sessions)
    {
        public object?[] Values { get; } = values;
        public Dictionary<long, Window>? Fixed { get; } = sessions ? null : [];
        public List<Window>? Sessions { get; } = sessions ? [] : null;
        public int Count => Fixed?.Count ?? Sessions!.Count;
    }

    private sealed class EndOrder : IComparer<(long End, long Start, string Key)>
    {
        public int Compare((long End, long Start, string Key) x, (long End, long Start, string Key) y)
        {
            var c = x.End.CompareTo(y.End);
            if (c != 0) return c;
            c = x.Start.CompareTo(y.Start);
            return c != 0 ? c : string.CompareOrdinal(x.Key, y.Key);
        }
    }
}
