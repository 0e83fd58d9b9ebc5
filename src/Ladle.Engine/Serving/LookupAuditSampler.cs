using System.Collections.Concurrent;
using System.Globalization;
using Ladle.Engine.Access;

namespace Ladle.Engine.Serving;

/// <summary>
/// Online lookups arrive by the thousand per second; each is audited, but not each one by one. Per principal and
/// feature views asked, the first <c>fullPerSecond</c> answered lookups of each second are audited as every read is,
/// then one in <c>oneIn</c>; the others are counted, and once the second is over one entry (action
/// <c>features-unsampled</c>, its rows the number of lookups) records how many were not audited one by one, so every
/// lookup is in the audit either alone or in a count. Refused and failed lookups are always audited one by one.
/// </summary>
public sealed class LookupAuditSampler : IDisposable
{
    /// <summary>The action of an entry that counts lookups not audited one by one.</summary>
    public const string UnsampledAction = "features-unsampled";

    private sealed class Window(long second)
    {
        public long Second = second;
        public long Seen;
        public long Unsampled;
    }

    private readonly ConcurrentDictionary<(string Principal, string Target), Window> _windows = new();
    private readonly int _fullPerSecond;
    private readonly int _oneIn;
    private readonly TimeProvider _clock;
    private readonly IAuditSink _audit;
    private readonly ITimer _flush;
    private long _audited;
    private long _counted;

    public LookupAuditSampler(int fullPerSecond, int oneIn, IAuditSink audit, TimeProvider clock)
    {
        _fullPerSecond = fullPerSecond;
        _oneIn = Math.Max(1, oneIn);
        _audit = audit;
        _clock = clock;
        // A principal that stops asking still has its last second's count written.
        _flush = clock.CreateTimer(_ => Flush(all: false), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Lookups audited one by one so far.</summary>
    public long Audited => Interlocked.Read(ref _audited);

    /// <summary>Lookups counted instead (each in a <see cref="UnsampledAction"/> entry once its second is over).</summary>
    public long Counted => Interlocked.Read(ref _counted);

    /// <summary>True when this answered lookup is audited one by one; false when it is only counted.</summary>
    public bool Admit(string principal, string target)
    {
        var second = _clock.GetUtcNow().ToUnixTimeSeconds();
        var window = _windows.GetOrAdd((principal, target), _ => new Window(second));
        long unsampled = 0, from = 0;
        bool admitted;
        lock (window)
        {
            if (window.Second != second)
            {
                (unsampled, from) = (window.Unsampled, window.Second);
                window.Second = second;
                window.Seen = 0;
                window.Unsampled = 0;
            }
            var seen = ++window.Seen;
            admitted = seen <= _fullPerSecond || (seen - _fullPerSecond) % _oneIn == 0;
            if (!admitted) window.Unsampled++;
        }
        if (unsampled > 0) Write(principal, target, from, unsampled);
        Interlocked.Increment(ref admitted ? ref _audited : ref _counted);
        return admitted;
    }

    /// <summary>Writes the counts of seconds that are over (all of them when <paramref name="all"/>: at shutdown).</summary>
    public void Flush(bool all)
    {
        var second = _clock.GetUtcNow().ToUnixTimeSeconds();
        foreach (var ((principal, target), window) in _windows)
        {
            long unsampled = 0, from = 0;
            lock (window)
            {
                if (window.Unsampled > 0 && (all || window.Second < second))
                {
                    (unsampled, from) = (window.Unsampled, window.Second);
                    window.Unsampled = 0;
                }
            }
            if (unsampled > 0) Write(principal, target, from, unsampled);
        }
    }

    private void Write(string principal, string target, long second, long unsampled) =>
        _audit.Record(new AuditEntry(DateTimeOffset.FromUnixTimeSeconds(second), principal, "rest", target, UnsampledAction,
            string.Create(CultureInfo.InvariantCulture, $"{unsampled} answered lookups in this second not audited one by one (the first {_fullPerSecond} per second are, then 1 in {_oneIn})"),
            unsampled, 0, "ok", TimeSpan.Zero));

    public void Dispose()
    {
        _flush.Dispose();
        Flush(all: true);
    }
}
