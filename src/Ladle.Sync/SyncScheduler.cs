using System.Threading.Channels;
using Cronos;
using Ladle.Engine.Versions;
using Ladle.Syncs.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ladle.Syncs;

/// <summary>
/// Starts syncs while serving: on their cron schedule (UTC, Cronos, on the injected clock) and after each publication
/// of their dataset (<c>on_publish</c>, from the version catalog's Changed event). A sync with <c>on_stale: wait</c>
/// whose last run waited for fresh data (its source was stale) runs again when its dataset publishes, whatever its
/// trigger. Runs go one at a time through one queue, and a sync already waiting is not queued twice, so a burst of
/// publications makes one run.
/// </summary>
public sealed class SyncScheduler(SyncService syncs, VersionCatalog catalog, TimeProvider? clock = null, ILogger<SyncScheduler>? logger = null) : BackgroundService
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ILogger _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private readonly Channel<(string Sync, string Trigger)> _queue = Channel.CreateUnbounded<(string, string)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> _waiting = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    /// <summary>The trigger of a run asked for because the dataset of an <c>on_stale: wait</c> sync published; it runs only if the sync's last run waited.</summary>
    public const string AfterWaitTrigger = "publish after wait";

    /// <summary>Asks for a run of a sync; false when one is already waiting.</summary>
    public bool Request(string sync, string trigger)
    {
        lock (_lock)
            if (!_waiting.Add(sync)) return false;
        return _queue.Writer.TryWrite((sync, trigger));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        catalog.Changed += OnChanged;
        try
        {
            await Task.WhenAll(ScheduleAsync(stoppingToken), WorkAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            catalog.Changed -= OnChanged;
        }
    }

    private void OnChanged(object? sender, VersionChange change)
    {
        if (change.Kind != VersionChangeKind.Published) return;
        foreach (var sync in syncs.Syncs)
            if (string.Equals(sync.Dataset, change.Dataset, StringComparison.OrdinalIgnoreCase))
            {
                if (sync.OnPublish) Request(sync.Name, "publish");
                else if (sync.OnStale == Core.Model.Syncs.SyncOnStale.Wait) Request(sync.Name, AfterWaitTrigger);
            }
    }

    private async Task ScheduleAsync(CancellationToken stoppingToken)
    {
        var crons = syncs.Syncs.Where(s => s.Schedule is not null).Select(s => (s.Name, Cron: CronExpression.Parse(s.Schedule!))).ToList();
        if (crons.Count == 0) return;
        var last = _clock.GetUtcNow().UtcDateTime;
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = crons.Select(c => c.Cron.GetNextOccurrence(last, TimeZoneInfo.Utc)).Where(n => n is not null).Select(n => n!.Value).DefaultIfEmpty(DateTime.MaxValue).Min();
            if (next == DateTime.MaxValue) return;
            var wait = next - _clock.GetUtcNow().UtcDateTime;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, _clock, stoppingToken);
            foreach (var (name, cron) in crons)
                if (cron.GetNextOccurrence(last, TimeZoneInfo.Utc) is { } due && due <= next)
                    Request(name, "schedule");
            last = next;
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await foreach (var (name, trigger) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            lock (_lock) _waiting.Remove(name);
            try
            {
                // Whatever started the run that waited (a schedule, the API, the CLI), the state says it waited.
                if (trigger == AfterWaitTrigger && (await syncs.HistoryAsync(name, 1, stoppingToken)) is not [{ Status: "waiting" }]) continue;
                await syncs.RunAsync(name, trigger, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.ScheduledRunFailed(_logger, e, name, trigger);
            }
        }
    }
}
