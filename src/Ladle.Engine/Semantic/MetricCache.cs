using Ladle.Engine.Results;

namespace Ladle.Engine.Semantic;

/// <summary>A cached answer: its rows, held in memory, and the datasets it was computed from.</summary>
public sealed record CachedAnswer(ResultSchema Schema, IReadOnlyList<object?[]> Rows, IReadOnlyList<string> Datasets, long Bytes, DateTimeOffset At)
{
    /// <summary>
    /// The answer already encoded (a whole response body by format), so a hit that asks the same way writes bytes
    /// instead of encoding the rows again.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Encodings { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Answers of metric queries, kept exactly as long as they are right: the key holds the published version of
/// every dataset the query read, so a publication changes the key of every answer that read the dataset and of
/// no other, with no time-to-live to guess. Bounded in bytes; the least recently read answers go first.
/// </summary>
public sealed class MetricCache(long maxBytes = MetricCache.DefaultMaxBytes, long maxEntryBytes = MetricCache.DefaultMaxEntryBytes)
{
    public const long DefaultMaxBytes = 256L * 1024 * 1024;
    public const long DefaultMaxEntryBytes = 16L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, CachedAnswer Answer)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, CachedAnswer Answer)> _recency = new();
    private long _bytes;
    private long _hits;
    private long _misses;
    private long _evictions;

    /// <summary>The largest answer kept; bigger ones are served but not cached.</summary>
    public long MaxEntryBytes { get; } = maxEntryBytes;

    public long MaxBytes { get; } = maxBytes;
    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public long Evictions => Interlocked.Read(ref _evictions);

    public int Count
    {
        get { lock (_lock) return _entries.Count; }
    }

    public long Bytes
    {
        get { lock (_lock) return _bytes; }
    }

    /// <summary>The answer under <paramref name="key"/>, counting a hit or a miss.</summary>
    public CachedAnswer? Get(string key)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                _hits++;
                return node.Value.Answer;
            }
            _misses++;
            return null;
        }
    }

    /// <summary>True when an answer is cached under <paramref name="key"/>; counts nothing (explain uses it).</summary>
    public bool Contains(string key)
    {
        lock (_lock) return _entries.ContainsKey(key);
    }

    public void Put(string key, CachedAnswer answer)
    {
        if (answer.Bytes > MaxEntryBytes || answer.Bytes > MaxBytes) return;
        lock (_lock)
        {
            if (_entries.Remove(key, out var old))
            {
                _recency.Remove(old);
                _bytes -= Size(old.Value.Answer);
            }
            var node = _recency.AddFirst((key, answer));
            _entries[key] = node;
            _bytes += answer.Bytes;
            while (_bytes > MaxBytes && _recency.Last is { } last)
            {
                _recency.RemoveLast();
                _entries.Remove(last.Value.Key);
                _bytes -= Size(last.Value.Answer);
                _evictions++;
            }
        }
    }

    /// <summary>Keeps an encoding of a cached answer with it, within the cache's bound.</summary>
    public void AttachEncoding(string key, CachedAnswer answer, string name, byte[] body)
    {
        if (body.LongLength > MaxEntryBytes) return;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var node) || !ReferenceEquals(node.Value.Answer, answer)) return;
            if (!answer.Encodings.TryAdd(name, body)) return;
            _bytes += body.LongLength;
            while (_bytes > MaxBytes && _recency.Last is { } last && !ReferenceEquals(last, node))
            {
                _recency.RemoveLast();
                _entries.Remove(last.Value.Key);
                _bytes -= Size(last.Value.Answer);
                _evictions++;
            }
        }
    }

    private static long Size(CachedAnswer answer) => answer.Bytes + answer.Encodings.Values.Sum(b => b.LongLength);

    /// <summary>
    /// Frees the answers that read <paramref name="dataset"/>. Not needed for correctness (their keys hold the old
    /// version and are never asked for again) but it returns their memory at once when a new version publishes.
    /// </summary>
    public int Forget(string dataset)
    {
        lock (_lock)
        {
            var stale = _recency.Where(e => e.Answer.Datasets.Contains(dataset, StringComparer.OrdinalIgnoreCase)).Select(e => e.Key).ToList();
            foreach (var key in stale)
            {
                var node = _entries[key];
                _entries.Remove(key);
                _recency.Remove(node);
                _bytes -= Size(node.Value.Answer);
            }
            return stale.Count;
        }
    }

    /// <summary>Drops every answer (counters stay).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            _recency.Clear();
            _bytes = 0;
        }
    }

    /// <summary>A rough size of a row in memory, to keep the cache within its bound.</summary>
    public static long SizeOf(object?[] row)
    {
        long size = 32 + 8L * row.Length;
        foreach (var value in row)
            size += value switch
            {
                null => 0,
                string s => 24 + 2L * s.Length,
                decimal => 32,
                _ => 24,
            };
        return size;
    }
}
