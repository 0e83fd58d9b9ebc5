using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Ladle.Core.Access;
using Ladle.Core.Errors;
using Ladle.Core.Policy;

namespace Ladle.Engine.Access;

/// <summary>
/// Per-principal limits from access.yaml: requests per second (a token bucket) and rows per minute (a one-minute
/// window; a request is refused once the window's rows are spent, and the rows it serves are counted after). Each
/// embed subject (the end user or tenant an embed token is for) has the principal's limits to itself, so one
/// tenant's busy page never spends another's budget, nor the principal's own API tokens'.
/// </summary>
/// <remarks>
/// With several nodes (<paramref name="shared"/>: the PostgreSQL state), a principal's requests and rows are counted
/// in the shared state instead, in fixed windows (the second, the minute) that every node adds to with one upsert,
/// so the limits hold across nodes; the <c>*Async</c> methods are the ones that do. Without it they answer from memory
/// at once, as the synchronous ones do.
/// </remarks>
public sealed class RateLimits(AccessDefinition access, TimeProvider? clock = null, State.ISharedRateCounter? shared = null) : IDisposable
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);
    private long _prunedAt;
    private long _forgottenAt;
    private readonly ConcurrentDictionary<string, Bucket> _requests = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, RowWindow> _rows = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _failures = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Client addresses remembered at most; past it, those whose budget is whole again are forgotten.</summary>
    private const int MaxAddresses = 10_000;

    private RateLimit? LimitOf(Principal principal) =>
        principal.IsAnonymous || principal.Method == AuthMethod.Local ? null
        : access.RateLimits.TryGetValue(principal.Name, out var own) ? own : access.DefaultRateLimit;

    /// <summary>Takes one request from the principal's budget, or throws 429 with when to retry.</summary>
    public void CheckRequest(Principal principal)
    {
        if (LimitOf(principal)?.RequestsPerSecond is not { } rps) return;
        ForgetIdle();
        var key = KeyOf(principal);
        while (true)
        {
            var bucket = _requests.GetOrAdd(key, _ => new Bucket(Math.Max(1, (int)Math.Ceiling(rps))));
            try
            {
                using var lease = bucket.Limiter.AttemptAcquire();
                if (!lease.IsAcquired)
                    throw new RateLimitedException($"{Who(principal)} is over its limit of {rps} requests per second", TimeSpan.FromSeconds(1));
                return;
            }
            catch (ObjectDisposedException)
            {
                // Forgotten as idle between the lookup and the take: its budget was whole, as the new one's is.
            }
        }
    }

    /// <summary>Takes one request from the principal's budget (across nodes when the state is shared), or throws 429.</summary>
    public ValueTask CheckRequestAsync(Principal principal, CancellationToken cancellationToken)
    {
        if (shared is null)
        {
            CheckRequest(principal);
            return ValueTask.CompletedTask;
        }
        return LimitOf(principal)?.RequestsPerSecond is { } rps ? CheckSharedRequestAsync(principal, rps, cancellationToken) : ValueTask.CompletedTask;
    }

    private async ValueTask CheckSharedRequestAsync(Principal principal, double rps, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var window = Floor(now, TimeSpan.FromSeconds(1));
        var used = await shared!.AddAsync(SharedKey("requests", principal), window, 1, cancellationToken);
        await PruneAsync(now, cancellationToken);
        if (used > Math.Max(1, (long)Math.Ceiling(rps)))
            throw new RateLimitedException($"{Who(principal)} is over its limit of {rps} requests per second (counted across every node)", window + TimeSpan.FromSeconds(1) - now);
    }

    /// <summary>Throws 429 when the principal spent its rows for this minute (on every node together when the state is shared).</summary>
    public async ValueTask CheckRowsAsync(Principal principal, CancellationToken cancellationToken)
    {
        if (shared is null)
        {
            CheckRows(principal);
            return;
        }
        if (LimitOf(principal)?.RowsPerMinute is not { } limit) return;
        var now = _clock.GetUtcNow();
        var window = Floor(now, TimeSpan.FromMinutes(1));
        if (await shared.AddAsync(SharedKey("rows", principal), window, 0, cancellationToken) >= limit)
            throw new RateLimitedException($"{Who(principal)} has read its {limit:N0} rows for this minute (counted across every node)", window + TimeSpan.FromMinutes(1) - now);
    }

    /// <summary>Counts rows served against the principal's minute (in the shared state when there is one).</summary>
    public async ValueTask CountRowsAsync(Principal principal, long rows, CancellationToken cancellationToken)
    {
        if (shared is null)
        {
            CountRows(principal, rows);
            return;
        }
        if (LimitOf(principal)?.RowsPerMinute is null || rows == 0) return;
        await shared.AddAsync(SharedKey("rows", principal), Floor(_clock.GetUtcNow(), TimeSpan.FromMinutes(1)), rows, cancellationToken);
    }

    /// <summary>The shared counter's key: PostgreSQL text holds no NUL, and principal names are identifiers, so '|' cannot be confused.</summary>
    private static string SharedKey(string kind, Principal principal) => kind + "|" + KeyOf(principal).Replace('\u0000', '|');

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan window) => new(at.UtcTicks - at.UtcTicks % window.Ticks, TimeSpan.Zero);

    /// <summary>Past windows are forgotten about once a minute by each node (any node's pass serves all).</summary>
    private async Task PruneAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var last = Interlocked.Read(ref _prunedAt);
        if (now.UtcTicks - last < PruneEvery.Ticks || Interlocked.CompareExchange(ref _prunedAt, now.UtcTicks, last) != last) return;
        await shared!.PruneAsync(now - TimeSpan.FromMinutes(2), cancellationToken);
    }

    /// <summary>Throws 429 when the principal spent its rows for this minute.</summary>
    public void CheckRows(Principal principal)
    {
        if (LimitOf(principal)?.RowsPerMinute is not { } limit) return;
        ForgetIdle();
        var now = _clock.GetUtcNow();
        while (true)
        {
            var window = _rows.GetOrAdd(KeyOf(principal), _ => new RowWindow());
            lock (window)
            {
                if (window.Forgotten) continue;
                window.Roll(now);
                if (window.Rows >= limit)
                    throw new RateLimitedException($"{Who(principal)} has read its {limit:N0} rows for this minute", window.Start + TimeSpan.FromMinutes(1) - now);
                return;
            }
        }
    }

    /// <summary>Counts rows served against the principal's minute.</summary>
    public void CountRows(Principal principal, long rows)
    {
        if (LimitOf(principal)?.RowsPerMinute is null || rows == 0) return;
        while (true)
        {
            var window = _rows.GetOrAdd(KeyOf(principal), _ => new RowWindow());
            lock (window)
            {
                // A window forgotten meanwhile is out of the map: count in the one that replaced it.
                if (window.Forgotten) continue;
                window.Roll(_clock.GetUtcNow());
                window.Rows += rows;
                return;
            }
        }
    }

    /// <summary>
    /// Refuses (429) a client address that failed authentication more than the unauthenticated limit allows,
    /// before its credentials are even looked at: guessing tokens or flooding costs one refusal, not a lookup.
    /// </summary>
    public void CheckAddress(string address)
    {
        if (!_failures.TryGetValue(address, out var limiter) || limiter.GetStatistics()?.CurrentAvailablePermits > 0) return;
        throw new RateLimitedException(
            $"too many requests without valid credentials from {address} (more than {access.UnauthenticatedRateLimit.RequestsPerSecond} a second); send 'Authorization: Bearer <token>'",
            TimeSpan.FromSeconds(1));
    }

    /// <summary>Counts a request from <paramref name="address"/> that failed authentication.</summary>
    public void CountFailure(string address)
    {
        if (access.UnauthenticatedRateLimit.RequestsPerSecond is not { } rps) return;
        if (_failures.Count >= MaxAddresses)
            foreach (var (key, idle) in _failures.Where(f => f.Value.GetStatistics()?.CurrentAvailablePermits >= (long)Math.Ceiling(rps) * 10))
                if (_failures.TryRemove(key, out _)) idle.Dispose();
        var limiter = _failures.GetOrAdd(address, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            // Ten seconds' worth at once: a client that retries a few times with a stale token is not locked out.
            TokenLimit = Math.Max(1, (int)Math.Ceiling(rps) * 10),
            TokensPerPeriod = Math.Max(1, (int)Math.Ceiling(rps)),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using var lease = limiter.AttemptAcquire();
    }

    /// <summary>How many principals and embed subjects this node holds a request budget or a row window for.</summary>
    internal int Remembered => _requests.Count + _rows.Count;

    /// <summary>
    /// Once a minute, forgets the budgets nobody is spending: a request bucket that is full again and a row window
    /// whose minute is over are what a new one would be. Embed subjects (every tenant of an embedded page) come and
    /// go, and each kept bucket holds a replenishment timer: without this a long-running server kept them all.
    /// </summary>
    private void ForgetIdle()
    {
        var now = _clock.GetUtcNow();
        var last = Interlocked.Read(ref _forgottenAt);
        if (now.UtcTicks - last < PruneEvery.Ticks || Interlocked.CompareExchange(ref _forgottenAt, now.UtcTicks, last) != last) return;
        foreach (var entry in _requests)
            if (entry.Value.Limiter.GetStatistics()?.CurrentAvailablePermits >= entry.Value.Limit && _requests.TryRemove(entry))
                entry.Value.Limiter.Dispose();
        foreach (var entry in _rows)
            lock (entry.Value)
                if (now - entry.Value.Start >= TimeSpan.FromMinutes(1) && _rows.TryRemove(entry))
                    entry.Value.Forgotten = true;
    }

    /// <summary>Whose budget a request spends: the principal's, or for an embed token its subject's under that principal.</summary>
    private static string KeyOf(Principal principal) =>
        principal.Method == AuthMethod.Embed ? $"{principal.Name}\u0000embed\u0000{principal.Subject}" : principal.Name;

    private static string Who(Principal principal) =>
        principal.Method == AuthMethod.Embed ? $"embed subject '{principal.Subject}' of principal '{principal.Name}'" : $"principal '{principal.Name}'";

    public void Dispose()
    {
        foreach (var bucket in _requests.Values) bucket.Limiter.Dispose();
        foreach (var limiter in _failures.Values) limiter.Dispose();
    }

    /// <summary>A principal's request bucket: <paramref name="Limit"/> requests a second, as many at once.</summary>
    private sealed record Bucket(int Limit)
    {
        public TokenBucketRateLimiter Limiter { get; } = new(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Limit,
            TokensPerPeriod = Limit,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private sealed class RowWindow
    {
        /// <summary>Set (under its lock) when the window leaves the map; a count that finds it so looks again.</summary>
        public bool Forgotten { get; set; }

        public DateTimeOffset Start { get; private set; }
        public long Rows { get; set; }

        public void Roll(DateTimeOffset now)
        {
            if (now - Start < TimeSpan.FromMinutes(1)) return;
            Start = now;
            Rows = 0;
        }
    }
}
