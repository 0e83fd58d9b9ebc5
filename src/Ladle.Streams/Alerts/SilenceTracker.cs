using Ladle.Core.Model.Streams;

namespace Ladle.Streams.Alerts;

/// <summary>
/// Per key, the newest event time, for a stream's silence rules (<c>silent_for</c>): a key whose newest event is
/// further behind the watermark than the rule allows falls silent (once), and its next event ends that. Keys are kept
/// in order of their newest event, so a check only looks at keys that may have just fallen silent. At most max_keys
/// keys are watched; keys past that are not (the stream's max_keys bounds the windows the same way).
/// </summary>
internal sealed class SilenceTracker
{
    private readonly StreamAlertRule[] _rules;
    private readonly int _maxKeys;
    private readonly Dictionary<string, Entry> _keys = new(StringComparer.Ordinal);
    private readonly SortedSet<(long Last, string Key)> _byLast = [];
    private readonly Action<StreamAlertRule, object?[], bool, long> _changed;

    private sealed class Entry(object?[] values, long last, int rules)
    {
        public object?[] Values { get; } = values;
        public long Last { get; set; } = last;
        public bool[] Silent { get; } = new bool[rules];
    }

    public SilenceTracker(StreamDefinition stream, Action<StreamAlertRule, object?[], bool, long> changed)
    {
        _rules = stream.Alerts.Where(a => a.SilentFor is not null).OrderBy(a => a.SilentFor).ToArray();
        _maxKeys = stream.MaxKeys;
        _changed = changed;
    }

    /// <summary>True when the stream has a silence rule.</summary>
    public bool Any => _rules.Length > 0;

    /// <summary>While replaying the log nothing is announced: <see cref="Reconcile"/> says where every key stands at the end.</summary>
    public bool Quiet { get; set; }

    /// <summary>A key sent an event at <paramref name="time"/> (UTC ticks).</summary>
    public void Seen(string key, object?[] values, long time)
    {
        if (!_keys.TryGetValue(key, out var entry))
        {
            if (_keys.Count >= _maxKeys) return;
            entry = new Entry(values, time, _rules.Length);
            _keys[key] = entry;
            _byLast.Add((time, key));
            return;
        }
        // Only a newer event than the newest seen is news of the key: an older one changes nothing.
        if (time <= entry.Last) return;
        _byLast.Remove((entry.Last, key));
        entry.Last = time;
        _byLast.Add((time, key));
        for (var i = 0; i < _rules.Length; i++)
        {
            if (!entry.Silent[i]) continue;
            entry.Silent[i] = false;
            if (!Quiet) _changed(_rules[i], entry.Values, false, entry.Last);
        }
    }

    /// <summary>Keys whose newest event is older than <paramref name="now"/> (event time) less a rule's silent_for fall silent.</summary>
    public void Check(long now)
    {
        if (now == long.MinValue) return;
        for (var i = 0; i < _rules.Length; i++)
        {
            var cutoff = now - _rules[i].SilentFor!.Value.Ticks;
            foreach (var (last, key) in _byLast)
            {
                if (last >= cutoff) break;
                var entry = _keys[key];
                if (entry.Silent[i]) continue;
                entry.Silent[i] = true;
                if (!Quiet) _changed(_rules[i], entry.Values, true, last);
            }
        }
        // A key silent by the longest rule is silent by every rule: it needs no more looking at until it sends again.
        while (_byLast.Count > 0 && _keys[_byLast.Min.Key].Silent[^1])
            _byLast.Remove(_byLast.Min);
    }

    /// <summary>Writes every watched key's newest event time and silences to a snapshot.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(_keys.Count);
        foreach (var (key, entry) in _keys)
        {
            writer.Write(key);
            Internal.ValueCodec.WriteRow(writer, entry.Values);
            writer.Write(entry.Last);
            writer.Write(entry.Silent.Length);
            foreach (var silent in entry.Silent) writer.Write(silent);
        }
    }

    /// <summary>Takes the keys a snapshot holds (the tracker must be new).</summary>
    public void Read(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        for (var k = 0; k < count; k++)
        {
            var key = reader.ReadString();
            var entry = new Entry(Internal.ValueCodec.ReadRow(reader), reader.ReadInt64(), _rules.Length);
            var rules = reader.ReadInt32();
            for (var i = 0; i < rules; i++)
            {
                var silent = reader.ReadBoolean();
                if (i < entry.Silent.Length) entry.Silent[i] = silent;
            }
            _keys[key] = entry;
            if (entry.Silent.Length == 0 || !entry.Silent[^1]) _byLast.Add((entry.Last, key));
        }
    }

    /// <summary>After replay: announces where every key stands (the alerts side skips what the state store already holds).</summary>
    public void Reconcile(long now)
    {
        Quiet = true;
        Check(now);
        Quiet = false;
        foreach (var entry in _keys.Values)
            for (var i = 0; i < _rules.Length; i++)
                _changed(_rules[i], entry.Values, entry.Silent[i], entry.Last);
    }
}
