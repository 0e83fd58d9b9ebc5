using System.Collections.Concurrent;

namespace Ladle.Engine.State;

/// <summary>
/// Whether Ladle can write its files (state store, DuckDB store) right now: a file whose last write failed on a
/// full disk stays failing until a write to it succeeds. Reads never depend on it; health reports it.
/// </summary>
public sealed class WriteHealth(TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, (string Reason, DateTimeOffset Since)> _failing = new(StringComparer.Ordinal);

    /// <summary>A write to <see cref="StorageFullException.File"/> failed on a full disk.</summary>
    public void Failed(StorageFullException error) =>
        _failing.AddOrUpdate(error.File, _ => (error.Message, _clock.GetUtcNow()), (_, old) => (error.Message, old.Since));

    /// <summary>A write to <paramref name="file"/> succeeded: there is room again.</summary>
    public void Succeeded(string file)
    {
        if (!_failing.IsEmpty) _failing.TryRemove(file, out _);
    }

    /// <summary>True while no file is failing.</summary>
    public bool Available => _failing.IsEmpty;

    /// <summary>The failing files' reasons and since when the first of them fails; null while writes work.</summary>
    public (string Reason, DateTimeOffset Since)? Failure
    {
        get
        {
            var failing = _failing.Values.OrderBy(f => f.Since).ToList();
            return failing.Count == 0 ? null : (string.Join("; ", failing.Select(f => f.Reason)), failing[0].Since);
        }
    }
}
