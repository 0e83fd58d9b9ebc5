using Cronos;
using Ladle.Core.Model;
using Ladle.Engine.Internal;
using Ladle.Engine.State;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Engine.Scheduling;

/// <summary>
/// Runs each table dataset's cron schedule (UTC) while Ladle serves, and is the one door for every other run
/// (refresh, start-up builds), so that runs of a dataset never overlap. Time comes from a <see cref="TimeProvider"/>.
/// </summary>
public sealed class DatasetScheduler : IHostedService
{
    // Timers take at most ~49 days; a schedule further away is reached by waking up and looking again.
    private static readonly TimeSpan LongestSleep = TimeSpan.FromDays(1);

    /// <summary>The trigger of a run that replaces one Ladle's stopping interrupted.</summary>
    public const string RecoveryTrigger = "recovery";

    private readonly ProjectDefinition _project;
    private readonly VersionCatalog _catalog;
    private readonly IVersionLedger _versions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RunQueue _queue;
    private readonly IRunClaims? _claims;
    private readonly string _node = $"{Environment.MachineName}:{Environment.ProcessId}";
    private readonly List<(DatasetDefinition Dataset, CronExpression Cron)> _schedules;
    private readonly Dictionary<string, DateTimeOffset> _nextDue = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;
    private Task _watch = Task.CompletedTask;
    private long _sleepingUntilTicks;

    /// <summary>
    /// A scheduler over the project's table datasets: it reads the catalog (is a version served?) and the ledger
    /// (the newest attempt), and every run goes through <paramref name="publisher"/>. With <paramref name="claims"/> (state
    /// shared by several nodes), each schedule's due time and each owed run is claimed once across nodes, and builds
    /// whose node died are found and run again.
    /// </summary>
    public DatasetScheduler(ProjectDefinition project, VersionCatalog catalog, IVersionLedger versions, Publisher publisher,
        TimeProvider? time = null, ILogger? logger = null, IRunClaims? claims = null)
    {
        _claims = claims;
        _project = project;
        _catalog = catalog;
        _versions = versions;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _queue = new RunQueue(project, catalog, publisher, _time, _logger);
        // The loader validated every schedule, so parsing cannot fail here.
        _schedules = project.Datasets
            .Where(d => d.Materialization == Materialization.Table && d.Schedule is not null)
            .Select(d => (d, CronExpression.Parse(d.Schedule!)))
            .ToList();
    }

    /// <summary>
    /// Asks for a run of a table dataset now (with any input never published). A run not yet building is joined; a
    /// run already building is followed by one more, so the data is read after this request.
    /// </summary>
    public QueuedRun Request(string dataset, string trigger)
    {
        var name = _project.GetDataset(dataset).Name;
        return _queue.Request([name], trigger, joinBuilding: false).Single(r => r.Run.Dataset == name);
    }

    /// <summary>Asks for runs of several table datasets at once; they build in dependency order.</summary>
    public IReadOnlyList<QueuedRun> Request(IReadOnlyCollection<string> datasets, string trigger) =>
        _queue.Request(datasets, trigger, joinBuilding: false);

    /// <summary>Runs queued or building now, inputs first.</summary>
    public IReadOnlyList<DatasetRun> InFlight() => _queue.InFlight();

    /// <summary>When the dataset's schedule next comes due; null when it has no schedule or is not running.</summary>
    public DateTimeOffset? NextRunAt(string dataset)
    {
        lock (_lock) return _nextDue.TryGetValue(dataset, out var due) ? due : null;
    }

    /// <summary>The moment the schedule loop sleeps until; set only once its timer exists (tests move the clock then).</summary>
    internal DateTimeOffset? SleepingUntil
    {
        get
        {
            var ticks = Interlocked.Read(ref _sleepingUntilTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var (dataset, cron) in _schedules) _nextDue[dataset.Name] = NextOccurrence(cron, now);
        }
        await RunInterruptedAsync(cancellationToken);
        await RunMissedAsync(now, cancellationToken);
        _stop = new CancellationTokenSource();
        if (_claims is not null) _watch = Task.Run(() => WatchAbandonedAsync(_stop.Token), CancellationToken.None);
        if (_schedules.Count == 0) return;
        Log.SchedulerStarted(_logger, _schedules.Count, $"{_nextDue.Values.Min():u}");
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Stops the schedule and cancels runs under way; safe to call more than once (hosts do).</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Both are cancelled before this returns, not after the loop has wound down: a run under way must see the
        // stop whatever it is waiting on, so it is interrupted rather than publishing once its wait ends.
        _stop?.Cancel();
        _queue.RequestStop();
        return WaitStoppedAsync(cancellationToken);
    }

    private async Task WaitStoppedAsync(CancellationToken cancellationToken)
    {
        await _loop.WaitAsync(cancellationToken);
        await _watch.WaitAsync(cancellationToken);
        await _queue.StopAsync(cancellationToken);
    }

    /// <summary>
    /// A dataset whose schedule came due while Ladle was stopped (its newest attempt began before the latest due
    /// time) runs once at start, rather than serving old data until the next due time. Datasets never published
    /// are left to whoever starts the server (`ladle serve` builds them with trigger startup).
    /// </summary>
    private async Task RunMissedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var missed = new List<(string, string)>();
        foreach (var (dataset, cron) in _schedules)
        {
            if (_catalog.Current(dataset.Name) is null) continue;
            var latest = (await _versions.ListVersionsAsync(dataset.Name, 1, cancellationToken)).FirstOrDefault();
            if (latest is null || latest.Status == VersionStatus.Interrupted) continue;
            var due = cron.GetNextOccurrence(latest.StartedAt, TimeZoneInfo.Utc);
            if (due is null || due > now) continue;
            Log.MissedRun(_logger, dataset.Name, due.Value);
            missed.Add((dataset.Name, ScheduleOccasion(due.Value)));
        }
        // The occasion is the due time, as the schedule loop claims it: a node starting while another fires it runs nothing.
        if (await ClaimAsync(missed, cancellationToken) is { Count: > 0 } claimed) _queue.Request(claimed, "schedule", joinBuilding: true);
    }

    /// <summary>
    /// A dataset whose newest attempt was interrupted (Ladle was killed, or stopped and cancelled it) is owed that
    /// run: it runs again now, whatever triggered it, instead of waiting for the next due time. Datasets never
    /// published are left to whoever starts the server, as for missed runs.
    /// </summary>
    private async Task RunInterruptedAsync(CancellationToken cancellationToken)
    {
        var owed = new List<(string, string)>();
        foreach (var dataset in _project.Datasets.Where(d => d.Materialization == Materialization.Table && d.Stream is null))
        {
            if (_catalog.Current(dataset.Name) is null) continue;
            var latest = (await _versions.ListVersionsAsync(dataset.Name, 1, cancellationToken)).FirstOrDefault();
            if (latest?.Status != VersionStatus.Interrupted) continue;
            Log.RerunInterrupted(_logger, dataset.Name, latest.Version, RecoveryTrigger);
            owed.Add((dataset.Name, RecoveryOccasion(latest.Version)));
        }
        if (await ClaimAsync(owed, cancellationToken) is { Count: > 0 } claimed) _queue.Request(claimed, RecoveryTrigger, joinBuilding: true);
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            List<(string, string)> due;
            DateTimeOffset wake;
            lock (_lock)
            {
                due = _schedules.Where(s => _nextDue[s.Dataset.Name] <= now).Select(s => (s.Dataset.Name, ScheduleOccasion(_nextDue[s.Dataset.Name]))).ToList();
                foreach (var (dataset, cron) in _schedules.Where(s => _nextDue[s.Dataset.Name] <= now))
                    _nextDue[dataset.Name] = NextOccurrence(cron, now);
                wake = _nextDue.Values.Min();
            }
            if (due.Count > 0)
            {
                // One request for everything due at once, in dependency order: an input due at the same minute
                // builds before the datasets that read it. A run already building serves its tick. With several
                // nodes, the node that claims the due time runs it; the others let it be.
                List<string> claimed;
                try { claimed = await ClaimAsync(due, cancellationToken); }
                catch (OperationCanceledException) { return; }
                if (claimed.Count > 0)
                {
                    Log.ScheduleDue(_logger, string.Join(", ", claimed));
                    _queue.Request(claimed, "schedule", joinBuilding: true);
                }
            }

            var sleep = wake - _time.GetUtcNow();
            if (sleep <= TimeSpan.Zero) continue;
            if (sleep > LongestSleep)
            {
                sleep = LongestSleep;
                wake = _time.GetUtcNow() + sleep;
            }
            var timer = Task.Delay(sleep, _time, cancellationToken);
            Interlocked.Exchange(ref _sleepingUntilTicks, wake.UtcTicks);
            try
            {
                await timer;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                Interlocked.Exchange(ref _sleepingUntilTicks, 0);
            }
        }
    }

    /// <summary>How often a node looks for builds whose node died: a third of a run lease, as often as leases are renewed.</summary>
    internal static TimeSpan AbandonedEvery => Publisher.RunLeaseDuration / 3;

    private static string ScheduleOccasion(DateTimeOffset due) =>
        "schedule:" + due.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string RecoveryOccasion(long version) => "recovery:v" + version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The datasets of <paramref name="runs"/> this node is to run: all of them alone (no claims), else those it claimed.
    /// A state store that cannot be reached claims nothing, but the runs are asked for anyway: the run lease still keeps
    /// two builds of one dataset apart, and a missed schedule is worse than one run too many.
    /// </summary>
    private async Task<List<string>> ClaimAsync(List<(string Dataset, string Occasion)> runs, CancellationToken cancellationToken)
    {
        if (_claims is null || runs.Count == 0) return runs.Select(r => r.Dataset).ToList();
        try
        {
            var won = await _claims.TryClaimRunsAsync(runs, _node, _time.GetUtcNow(), cancellationToken);
            foreach (var (dataset, occasion) in runs.Where(r => !won.Contains(r.Dataset, StringComparer.OrdinalIgnoreCase)))
                Log.RunClaimedElsewhere(_logger, dataset, occasion);
            return won.ToList();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RunClaimFailed(_logger, string.Join(", ", runs.Select(r => r.Dataset)), e.Message);
            return runs.Select(r => r.Dataset).ToList();
        }
    }

    /// <summary>
    /// With several nodes, a node that dies mid-build leaves its version building and stops renewing its run lease:
    /// every <see cref="AbandonedEvery"/>, each node looks for such builds (no live lease, or a lease of a process of
    /// this machine that is gone) and for owed runs (a newest attempt interrupted, e.g. by a node's clean stop); the
    /// node that claims one records the build interrupted and runs the dataset again (trigger recovery).
    /// </summary>
    private async Task WatchAbandonedAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(AbandonedEvery, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try { await RecoverAbandonedAsync(cancellationToken); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.AbandonedCheckFailed(_logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task RecoverAbandonedAsync(CancellationToken cancellationToken)
    {
        var inFlight = new HashSet<string>(_queue.InFlight().Select(r => r.Dataset), StringComparer.OrdinalIgnoreCase);
        foreach (var (version, owner) in await _claims!.ListUnfinishedAsync(cancellationToken))
        {
            if (_project.FindDataset(version.Dataset) is not { Materialization: Materialization.Table, Stream: null } dataset) continue;
            if (inFlight.Contains(dataset.Name)) continue;
            if (version.Status == VersionStatus.Building && owner is not null && !RunLeaseOwner.IsGone(owner)) continue;
            if ((await ClaimAsync([(dataset.Name, RecoveryOccasion(version.Version))], cancellationToken)).Count == 0) continue;
            if (version.Status == VersionStatus.Building)
                await _claims.AbandonBuildAsync(dataset.Name, version.Version,
                    "interrupted: the node building this version stopped renewing its run lease (it died or lost the state store); another node runs it again",
                    _time.GetUtcNow(), cancellationToken);
            Log.RerunAbandoned(_logger, dataset.Name, version.Version, owner ?? "a node whose lease expired");
            _queue.Request([dataset.Name], RecoveryTrigger, joinBuilding: true);
        }
    }

    /// <summary>The next due time strictly after <paramref name="after"/>; never for a cron that cannot occur again.</summary>
    private static DateTimeOffset NextOccurrence(CronExpression cron, DateTimeOffset after) =>
        cron.GetNextOccurrence(after, TimeZoneInfo.Utc) ?? DateTimeOffset.MaxValue;
}
