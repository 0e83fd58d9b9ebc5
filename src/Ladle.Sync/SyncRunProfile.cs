using System.Diagnostics;

namespace Ladle.Syncs;

/// <summary>
/// Where a sync's plan or run spent its time, phase by phase (wall time, in the order phases first ran). Phases that
/// run at the same time as others (a batch's ledger write while the next batch is sent) are each counted whole, so
/// the phases may add up to more than the run. Kept for the last plan and run of each sync; the benchmarks print it.
/// </summary>
public sealed class SyncRunProfile
{
    private readonly Lock _lock = new();
    private readonly List<string> _order = [];
    private readonly Dictionary<string, (long Ticks, int Count)> _phases = new(StringComparer.Ordinal);

    /// <summary>Each phase's total time and how many times it ran, in the order phases first ran.</summary>
    public IReadOnlyList<(string Phase, TimeSpan Elapsed, int Count)> Phases
    {
        get
        {
            lock (_lock)
                return _order.Select(p => (p, Stopwatch.GetElapsedTime(0, _phases[p].Ticks), _phases[p].Count)).ToList();
        }
    }

    /// <summary>Times the phase until the scope is disposed.</summary>
    internal Scope Measure(string phase) => new(this, phase, Stopwatch.GetTimestamp());

    private void Add(string phase, long ticks)
    {
        lock (_lock)
        {
            if (!_phases.TryGetValue(phase, out var total)) _order.Add(phase);
            _phases[phase] = (total.Ticks + ticks, total.Count + 1);
        }
    }

    /// <summary>One timing of a phase.</summary>
    internal readonly struct Scope(SyncRunProfile? profile, string phase, long started) : IDisposable
    {
        public void Dispose() => profile?.Add(phase, Stopwatch.GetTimestamp() - started);
    }
}
