using System.Collections.Concurrent;
using Ladle.Engine.Internal;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.State;

/// <summary>
/// The engine's view of the state store: every error that means "the disk is full" becomes a
/// <see cref="StorageFullException"/> naming the file, every write tells <see cref="WriteHealth"/> whether it
/// worked, and a version's failure that cannot be written is held in memory (shown by <see cref="ListVersionsAsync"/>)
/// and written as soon as there is room, so an attempt never stays "building" for want of a few bytes.
/// </summary>
internal sealed partial class GuardedStateStore : IStateStore
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    private readonly IStateStore _inner;
    private readonly string _file;
    private readonly WriteHealth _health;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Dataset, long Version), (string Error, DateTimeOffset At)> _heldFailures = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _retryLock = new();
    private Task? _retrying;

    public GuardedStateStore(IStateStore inner, string file, WriteHealth health, TimeProvider clock, ILogger logger)
    {
        _inner = inner;
        _file = file;
        _health = health;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The store this one guards.</summary>
    public IStateStore Inner => _inner;

    public string Location => _inner.Location;

    /// <summary>Versions whose failure waits for room to be written.</summary>
    public int HeldFailures => _heldFailures.Count;

    private async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (StorageErrors.Translate(e, _file) is { } full && full != e)
        {
            throw full;
        }
    }

    /// <summary>
    /// A write; with <paramref name="proves"/> (it always adds or changes rows) its success shows the disk has room
    /// again. Writes that may change nothing (an incident already open, a token touched) prove nothing.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<Task<T>> write, bool proves = true)
    {
        T result;
        try
        {
            result = await write();
        }
        catch (Exception e) when (StorageErrors.Translate(e, _file) is { } full)
        {
            _health.Failed(full);
            if (full == e) throw;
            throw full;
        }
        if (!proves) return result;
        _health.Succeeded(_file);
        if (!_heldFailures.IsEmpty) StartRetrying();
        return result;
    }

    private Task WriteAsync(Func<Task> write, bool proves = true) => WriteAsync(async () => { await write(); return true; }, proves);

    public Task InitializeAsync(CancellationToken cancellationToken) => WriteAsync(() => _inner.InitializeAsync(cancellationToken), proves: false);

    public Task<VersionRecord> BeginVersionAsync(string dataset, string trigger, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.BeginVersionAsync(dataset, trigger, startedAt, cancellationToken));

    public Task PublishVersionAsync(string dataset, long version, long rowCount, string? watermark, DateTimeOffset publishedAt, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.PublishVersionAsync(dataset, version, rowCount, watermark, publishedAt, cancellationToken));

    /// <summary>Records the failure, or holds it in memory and writes it once there is room again.</summary>
    public async Task FailVersionAsync(string dataset, long version, string error, DateTimeOffset finishedAt, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAsync(() => _inner.FailVersionAsync(dataset, version, error, finishedAt, cancellationToken));
        }
        catch (StorageFullException full)
        {
            _heldFailures[(dataset, version)] = (error, finishedAt);
            Log.FailureHeld(_logger, dataset, version, full.Message);
            StartRetrying();
        }
    }

    public Task MarkDroppedAsync(string dataset, long version, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.MarkDroppedAsync(dataset, version, cancellationToken), proves: false);

    public async Task<IReadOnlyList<VersionRecord>> ListVersionsAsync(string dataset, int limit, CancellationToken cancellationToken)
    {
        var versions = await ReadAsync(() => _inner.ListVersionsAsync(dataset, limit, cancellationToken));
        if (_heldFailures.IsEmpty) return versions;
        return versions.Select(v => v.Status == VersionStatus.Building && _heldFailures.TryGetValue((v.Dataset, v.Version), out var held)
            ? v with { Status = VersionStatus.Failed, FinishedAt = held.At, Error = held.Error }
            : v).ToList();
    }

    public Task<IReadOnlyList<VersionRecord>> ListPublishedAsync(CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ListPublishedAsync(cancellationToken));

    public Task QuarantineVersionAsync(string dataset, long version, long rowCount, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.QuarantineVersionAsync(dataset, version, rowCount, reason, finishedAt, cancellationToken));

    public Task InterruptVersionAsync(string dataset, long version, string reason, DateTimeOffset finishedAt, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.InterruptVersionAsync(dataset, version, reason, finishedAt, cancellationToken));

    public Task<IReadOnlyList<VersionRecord>> ListAllVersionsAsync(CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ListAllVersionsAsync(cancellationToken));

    public Task<bool> RestoreVersionAsync(VersionRecord version, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.RestoreVersionAsync(version, cancellationToken));

    public Task<IReadOnlyList<VersionRecord>> ListQuarantinedAsync(CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ListQuarantinedAsync(cancellationToken));

    public Task RecordCheckResultsAsync(IReadOnlyList<CheckResult> results, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.RecordCheckResultsAsync(results, cancellationToken), proves: results.Count > 0);

    public Task<IReadOnlyList<CheckResult>> ListCheckResultsAsync(string dataset, long? version, int limit, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ListCheckResultsAsync(dataset, version, limit, cancellationToken));

    public Task<IReadOnlyList<double>> CheckHistoryAsync(string dataset, string check, long? beforeVersion, int limit, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.CheckHistoryAsync(dataset, check, beforeVersion, limit, cancellationToken));

    public Task<long?> OpenIncidentAsync(string dataset, string kind, string reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.OpenIncidentAsync(dataset, kind, reason, at, cancellationToken), proves: false);

    public Task<long?> ResolveIncidentAsync(string dataset, string kind, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.ResolveIncidentAsync(dataset, kind, at, cancellationToken), proves: false);

    public Task MarkIncidentAlertedAsync(long incident, bool resolution, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.MarkIncidentAlertedAsync(incident, resolution, cancellationToken), proves: false);

    public Task<IReadOnlyList<UnalertedIncident>> ListUnalertedIncidentsAsync(CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ListUnalertedIncidentsAsync(cancellationToken));

    public Task<IReadOnlyList<Incident>> ListIncidentsAsync(string? dataset, int limit, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ListIncidentsAsync(dataset, limit, cancellationToken));

    public Task AddTokenAsync(TokenRecord token, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.AddTokenAsync(token, cancellationToken));

    public Task<TokenRecord?> FindTokenAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.FindTokenAsync(id, cancellationToken));

    public Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.ListTokensAsync(cancellationToken));

    public Task<bool> RevokeTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.RevokeTokenAsync(id, at, cancellationToken), proves: false);

    public Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.TouchTokenAsync(id, at, cancellationToken), proves: false);

    public Task AppendAuditAsync(IReadOnlyList<AuditRecord> entries, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.AppendAuditAsync(entries, cancellationToken), proves: entries.Count > 0);

    public Task<long> BeginAuditAsync(AuditRecord entry, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.BeginAuditAsync(entry, cancellationToken));

    public Task CompleteAuditAsync(IReadOnlyList<(long Id, AuditRecord Entry)> entries, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.CompleteAuditAsync(entries, cancellationToken), proves: entries.Count > 0);

    public Task<IReadOnlyList<AuditRecord>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken) =>
        ReadAsync(() => _inner.QueryAuditAsync(query, cancellationToken));

    public Task<int> DeleteAuditBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.DeleteAuditBeforeAsync(before, cancellationToken), proves: false);

    public Task<int> FailInterruptedAsync(string reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(() => _inner.FailInterruptedAsync(reason, at, cancellationToken), proves: false);

    private void StartRetrying()
    {
        lock (_retryLock)
        {
            if (_retrying is { IsCompleted: false } || _stopping.IsCancellationRequested) return;
            _retrying = Task.Run(RetryHeldAsync);
        }
    }

    /// <summary>Writes held failures, waiting longer after each attempt that still finds the disk full.</summary>
    private async Task RetryHeldAsync()
    {
        var delay = FirstRetry;
        while (!_heldFailures.IsEmpty)
        {
            if (await WriteHeldAsync()) return;
            try
            {
                await Task.Delay(delay, _clock, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetry.Ticks));
        }
    }

    /// <summary>Tries to write every held failure; true when none is left.</summary>
    private async Task<bool> WriteHeldAsync()
    {
        foreach (var ((dataset, version), (error, at)) in _heldFailures.ToArray())
        {
            try
            {
                await _inner.FailVersionAsync(dataset, version, error, at, CancellationToken.None);
            }
            catch (Exception e) when (StorageErrors.Translate(e, _file) is not null)
            {
                return false;
            }
            _heldFailures.TryRemove((dataset, version), out _);
            _health.Succeeded(_file);
            Log.HeldFailureWritten(_logger, dataset, version);
        }
        return _heldFailures.IsEmpty;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task? retrying;
        lock (_retryLock) retrying = _retrying;
        if (retrying is not null) await retrying;
        // One last try; what still cannot be written is marked interrupted at the next start.
        if (!_heldFailures.IsEmpty && !await WriteHeldAsync()) Log.HeldFailuresLost(_logger, _heldFailures.Count, _file);
        await _inner.DisposeAsync();
    }
}
