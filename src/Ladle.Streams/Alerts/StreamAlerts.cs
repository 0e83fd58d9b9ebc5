using System.Globalization;
using System.Threading.Channels;
using Ladle.Core.Model.Streams;
using Ladle.Engine.Alerts;
using Ladle.Engine.State;
using Ladle.Streams.Internal;
using Ladle.Streams.Output;
using Microsoft.Extensions.Logging;

namespace Ladle.Streams.Alerts;

/// <summary>
/// A stream's alert rules, per key, through the project's alert channels. Threshold rules look at each window as it
/// is written to the store; silence rules at keys whose newest event fell behind the watermark. Each (rule, key) is an
/// incident in the state store under the subject <c>stream:&lt;name&gt;</c>, whose one open incident per subject and
/// kind decides who alerts, as for datasets and syncs: a window over the threshold opens it (one alert), later windows
/// over it change nothing, the first window back under it resolves it (one alert of recovery). Decisions are queued
/// and recorded on a worker, so neither ingest nor publication waits for the state store.
/// </summary>
internal sealed class StreamAlerts : IAsyncDisposable
{
    private readonly StreamDefinition _stream;
    private readonly IIncidentStore _incidents;
    private readonly AlertDispatcher _dispatcher;
    private readonly string _project;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly (StreamAlertRule Rule, int Index)[] _thresholds;
    private readonly Channel<Decision> _queue = Channel.CreateUnbounded<Decision>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> _open = new(StringComparer.Ordinal);
    private readonly Task _worker;
    private long _raised, _recovered;

    private sealed record Decision(StreamAlertRule Rule, string Key, bool Opens, string Reason, DateTimeOffset Since);

    public StreamAlerts(StreamDefinition stream, IIncidentStore incidents, AlertDispatcher dispatcher, string project, TimeProvider clock, ILogger logger)
    {
        _stream = stream;
        _incidents = incidents;
        _dispatcher = dispatcher;
        _project = project;
        _clock = clock;
        _logger = logger;
        _thresholds = stream.Alerts.Where(a => a.Aggregate is not null)
            .Select(a => (a, stream.Aggregates.ToList().FindIndex(g => string.Equals(g.Name, a.Aggregate, StringComparison.OrdinalIgnoreCase))))
            .ToArray();
        _worker = Task.Run(RunAsync);
    }

    /// <summary>The subject a stream's incidents are recorded under in the state store.</summary>
    public static string Subject(string stream) => IncidentMonitor.StreamSubjectPrefix + stream;

    /// <summary>The incident kind of a rule and key: the rule's name, then the key's values.</summary>
    public static string Kind(StreamAlertRule rule, string key) => key.Length == 0 ? rule.Name : rule.Name + ":" + key;

    /// <summary>Incidents opened and resolved by this run.</summary>
    public (long Raised, long Recovered) Counts => (Interlocked.Read(ref _raised), Interlocked.Read(ref _recovered));

    /// <summary>Loads the stream's open incidents (a restart must not alert again for one, and must resolve it when it ends).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var incident in await _incidents.ListIncidentsAsync(Subject(_stream.Name), 100_000, cancellationToken))
            if (incident.ResolvedAt is null) lock (_open) _open.Add(incident.Kind);
    }

    /// <summary>The text a key is named by in alerts: its values, joined by '/'.</summary>
    public static string KeyName(object?[] keys) => string.Join("/", keys.Select(k => k switch
    {
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var v => v?.ToString() ?? "null",
    }));

    /// <summary>Looks at windows just written to the store, in order.</summary>
    public void Written(IReadOnlyList<WindowRow> rows)
    {
        if (_thresholds.Length == 0) return;
        foreach (var row in rows)
        {
            var key = KeyName(row.Window.Keys);
            foreach (var (rule, index) in _thresholds)
            {
                if (row.Window.Aggregates[index] is not { } raw) continue;
                var value = Convert.ToDouble(raw, CultureInfo.InvariantCulture);
                var over = rule.Comparison switch
                {
                    AlertComparison.Greater => value > rule.Threshold,
                    AlertComparison.GreaterOrEqual => value >= rule.Threshold,
                    AlertComparison.Less => value < rule.Threshold,
                    _ => value <= rule.Threshold,
                };
                var start = new DateTimeOffset(row.Window.Start, TimeSpan.Zero);
                var window = $"[{start.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, {new DateTime(row.Window.End, DateTimeKind.Utc):yyyy-MM-dd HH:mm:ss}Z)";
                var reason = over
                    ? $"stream '{_stream.Name}' {Who(key)}: {rule.Aggregate} {value.ToString("G6", CultureInfo.InvariantCulture)} in window {window}, alert '{rule.Name}' ({rule.Text})"
                    : $"stream '{_stream.Name}' {Who(key)}: {rule.Aggregate} {value.ToString("G6", CultureInfo.InvariantCulture)} in window {window}, no longer {rule.Text}";
                Decide(rule, key, over, reason, start);
            }
        }
    }

    /// <summary>A key fell silent (opens) or sent an event again (resolves), by a silence rule.</summary>
    public void Silence(StreamAlertRule rule, string key, bool silent, long lastEvent)
    {
        var last = new DateTimeOffset(lastEvent, TimeSpan.Zero);
        var reason = silent
            ? $"stream '{_stream.Name}' {Who(key)}: no event since {last.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, alert '{rule.Name}' ({rule.Text})"
            : $"stream '{_stream.Name}' {Who(key)}: events again (newest at {last.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)";
        Decide(rule, key, silent, reason, last);
    }

    private string Who(string key) => _stream.Keys.Count == 0 ? "" : $"{string.Join("/", _stream.Keys)} {key}";

    private void Decide(StreamAlertRule rule, string key, bool opens, string reason, DateTimeOffset since)
    {
        var kind = Kind(rule, key);
        // Only a change is worth the state store's time: most windows of most keys change nothing.
        lock (_open)
        {
            if (opens ? !_open.Add(kind) : !_open.Remove(kind)) return;
        }
        _queue.Writer.TryWrite(new Decision(rule, key, opens, reason, since));
    }

    private async Task RunAsync()
    {
        await foreach (var decision in _queue.Reader.ReadAllAsync())
        {
            var kind = Kind(decision.Rule, decision.Key);
            try
            {
                var now = _clock.GetUtcNow();
                var id = decision.Opens
                    ? await _incidents.OpenIncidentAsync(Subject(_stream.Name), kind, decision.Reason, now, CancellationToken.None)
                    : await _incidents.ResolveIncidentAsync(Subject(_stream.Name), kind, now, CancellationToken.None);
                if (id is not { } incident) continue;
                if (decision.Opens) Interlocked.Increment(ref _raised);
                else Interlocked.Increment(ref _recovered);
                var alert = new AlertEvent(decision.Opens ? AlertEventKind.IncidentOpened : AlertEventKind.IncidentResolved, _stream.Dataset, decision.Rule.Name,
                    decision.Opens ? "alerting" : "ok", decision.Reason, decision.Since, _project, null, now) { Stream = _stream.Name, Key = decision.Key };
                _dispatcher.Enqueue(alert, () => _incidents.MarkIncidentAlertedAsync(incident, !decision.Opens, CancellationToken.None));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Forgotten, so the next window (or silence check) decides again.
                lock (_open)
                {
                    if (decision.Opens) _open.Remove(kind);
                    else _open.Add(kind);
                }
                Log.AlertFailed(_logger, e, _stream.Name, decision.Rule.Name);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _worker;
    }
}
