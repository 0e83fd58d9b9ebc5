using System.Collections.Concurrent;
using Ladle.Core.Errors;
using Ladle.Core.Policy;

namespace Ladle.Engine.Serving;

/// <summary>
/// Bounds the exports (csv, ndjson, parquet, xlsx) streaming at once, per principal and in the whole server: an
/// export holds an engine query and threads for as long as its client reads, so fifty slow readers of one token
/// must not take the server from everyone else. Over a bound the request is refused at once with a 429 that says
/// which bound and how to raise it; nothing queues.
/// </summary>
public sealed class ExportGate(int maxTotal, int maxPerPrincipal)
{
    private readonly ConcurrentDictionary<string, int> _perPrincipal = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();
    private int _total;

    /// <summary>Exports streaming now.</summary>
    public int Running
    {
        get { lock (_lock) return _total; }
    }

    /// <summary>Takes a place for one export of <paramref name="principal"/>, released when the returned object is disposed.</summary>
    public IDisposable Enter(Principal principal)
    {
        lock (_lock)
        {
            var own = _perPrincipal.GetValueOrDefault(principal.Name);
            if (own >= maxPerPrincipal)
                throw new RateLimitedException(
                    $"principal '{principal.Name}' already has {own} exports streaming, its limit (server.max_exports_per_principal: {maxPerPrincipal}); retry when one has finished", TimeSpan.FromSeconds(1));
            if (_total >= maxTotal)
                throw new RateLimitedException(
                    $"the server already streams {_total} exports, its limit (server.max_exports: {maxTotal}); retry when one has finished", TimeSpan.FromSeconds(1));
            _perPrincipal[principal.Name] = own + 1;
            _total++;
        }
        return new Place(this, principal.Name);
    }

    private void Leave(string principal)
    {
        lock (_lock)
        {
            _total--;
            var own = _perPrincipal.GetValueOrDefault(principal) - 1;
            if (own <= 0) _perPrincipal.TryRemove(principal, out _);
            else _perPrincipal[principal] = own;
        }
    }

    private sealed class Place(ExportGate gate, string principal) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) gate.Leave(principal);
        }
    }
}
