using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Core.Model.Streams;
using Ladle.Engine;
using Ladle.Engine.Store;
using Ladle.Engine.Versions;
using Ladle.Engine.Alerts;
using Ladle.Engine.State;
using Ladle.Streams.Alerts;
using Ladle.Streams.Ingest;
using Ladle.Streams.Output;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Streams;

/// <summary>
/// The project's streams while serving: at start each stream's table is ensured, its log replayed (windows the store
/// already holds are not emitted again) and its output worker and idle-timeout timer started; then it takes ingest
/// batches and answers status. Logs live under the state folder (<c>.ladle/streams/&lt;name&gt;.log</c>).
/// </summary>
public sealed class StreamService(ProjectDefinition project, DuckDbStore store, Publisher publisher, VersionCatalog catalog,
    TimeProvider? clock = null, ILogger? logger = null, IIncidentStore? incidents = null, AlertDispatcher? dispatcher = null,
    Engine.Access.IAuditSink? audit = null) : IHostedService, IAsyncDisposable
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    // Requests read it while StartAsync still opens the streams (the server answers meanwhile).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Running> _streams = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _failures = new(StringComparer.OrdinalIgnoreCase);
    private Task _opening = Task.CompletedTask;
    private bool _started;

    private sealed record Running(StreamRuntime Runtime, StreamOutput Output, StreamLiveFeed Feed, Task Worker, ITimer Timer, MqttIngest? Mqtt, StreamAlerts? Alerts, LateEvents? Late, Task? LateWorker);

    /// <summary>What a request to a stream still opening (replaying its log) is told to wait before it tries again.</summary>
    public static readonly TimeSpan OpeningRetry = TimeSpan.FromSeconds(1);

    /// <summary>The project's streams.</summary>
    public IReadOnlyList<StreamDefinition> Streams => project.Streams;

    /// <summary>The folder of a stream's log segments.</summary>
    public string LogPath(string stream) => Path.Combine(Path.GetDirectoryName(project.StatePath)!, "streams", stream);

    /// <summary>
    /// Opens the streams in the background, so a long log's replay does not keep the server from answering: until a
    /// stream is open its requests are answered 503 with Retry-After; one that cannot open answers 503 with the reason.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_started) return Task.CompletedTask;
        _started = true;
        _opening = Task.Run(() => OpenAllAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Completes once every stream is open (or has failed to open).</summary>
    public Task Opened => _opening;

    private async Task OpenAllAsync(CancellationToken cancellationToken)
    {
        foreach (var stream in project.Streams)
        {
            if (cancellationToken.IsCancellationRequested) return;
            try { await OpenAsync(stream, cancellationToken); }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return; }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The other streams still open; this one answers with the reason until the cause is mended and Ladle restarts.
                _failures[stream.Name] = e is Core.Errors.LadleException ? e.Message : $"stream '{stream.Name}' could not open: {e.Message}";
                Internal.Log.OpenFailed(_logger, e, stream.Name);
            }
        }
    }

    private async Task OpenAsync(StreamDefinition stream, CancellationToken cancellationToken)
    {
        var dataset = project.FindDataset(stream.Dataset)!;
        var table = new WindowTable(store, stream, dataset);
        table.Ensure();
        var (written, _) = table.ReadCheckpoint();
        var feed = new StreamLiveFeed();
        StreamAlerts? alerts = null;
        SilenceTracker? silence = null;
        if (stream.Alerts.Count > 0 && incidents is not null && dispatcher is not null)
        {
            alerts = new StreamAlerts(stream, incidents, dispatcher, project.Name, _clock, _logger);
            await alerts.LoadAsync(cancellationToken);
            silence = new SilenceTracker(stream, (rule, keys, silent, last) => alerts.Silence(rule, StreamAlerts.KeyName(keys), silent, last));
        }
        var output = new StreamOutput(feed, dataset, table, publisher, _clock, _logger) { OnWritten = alerts is null ? null : alerts.Written };
        var published = catalog.Current(dataset.Name) is { } current ? table.PublishedSeq(current.Version) : 0;
        output.Start(written, published);
        LateEvents? late = null;
        long lateWritten = 0;
        if (stream.LateDataset is { } lateName && project.FindDataset(lateName) is { } lateDataset)
        {
            late = new LateEvents(stream, lateDataset, store, publisher, _clock, _logger);
            lateWritten = late.Open();
            var latePublished = catalog.Current(lateName) is { } lateCurrent ? late.PublishedSeq(lateCurrent.Version) : 0;
            late.StartPublished(latePublished);
            if (catalog.Current(lateName) is null || latePublished < lateWritten) late.PublishOwed();
        }
        var runtime = new StreamRuntime(stream, _clock, _logger, output.Enqueue, silence, late is null ? null : late.Enqueue);
        runtime.Open(LogPath(stream.Name), written, lateWritten);
        // Windows written by a run that died before publishing them (or a first start) are published now.
        if (written > published || catalog.Current(dataset.Name) is null) output.PublishOwed();
        var worker = Task.Run(() => output.RunAsync(_stop.Token), CancellationToken.None);
        var lateWorker = late is null ? null : Task.Run(() => late.RunAsync(_stop.Token), CancellationToken.None);
        var period = TimeSpan.FromTicks(Math.Clamp(stream.IdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
        var timer = _clock.CreateTimer(_ =>
        {
            runtime.Tick();
            // Segments whose windows (and late events) are all published are no longer needed by a replay.
            runtime.Compact(output.PublishedUpTo, late?.PublishedUpTo ?? long.MaxValue);
        }, null, period, period);
        MqttIngest? mqtt = null;
        if (stream.Mqtt is { } source)
        {
            mqtt = new MqttIngest(stream, source, project.Name, body => IngestFromBroker(runtime, source, body), _logger);
            mqtt.Start();
        }
        _streams[stream.Name] = new Running(runtime, output, feed, worker, timer, mqtt, alerts, late, lateWorker);
    }

    /// <summary>One broker message's batch, recorded in the audit like an HTTP batch, under the topic's principal and interface mqtt.</summary>
    private IngestResult IngestFromBroker(StreamRuntime runtime, MqttSource source, ReadOnlyMemory<byte> body)
    {
        var started = _clock.GetTimestamp();
        var result = runtime.Ingest(body);
        audit?.Record(new Engine.Access.AuditEntry(_clock.GetUtcNow(), source.Principal, "mqtt", "stream:" + runtime.Definition.Name, "mqtt " + source.Topic,
            result.AuditCounts(), result.Accepted, body.Length, result.NothingTaken ? "invalid-request" : "ok", _clock.GetElapsedTime(started)));
        return result;
    }

    /// <summary>A stream by name, or a 404 naming the closest.</summary>
    public StreamDefinition Find(string name) =>
        project.FindStream(name) ?? throw new NotFoundException($"no stream '{name}' ({Suggest.Hint(name, project.Streams.Select(s => s.Name).ToList())})");

    /// <summary>Takes one ingest batch for a stream; returns once its accepted events are on the disk.</summary>
    public IngestResult Ingest(string name, ReadOnlyMemory<byte> body) => Get(name).Runtime.Ingest(body);

    /// <summary>The stream's publication progress, for live subscribers.</summary>
    public StreamLiveFeed Feed(string name) => Get(name).Feed;

    /// <summary>A stream's figures now.</summary>
    public StreamStatus Status(string name)
    {
        var running = Get(name);
        var status = running.Runtime.Status(running.Feed.PublishedSeq, running.Feed.Subscribers, running.Feed.Dropped);
        if (running.Late is { } late) status = status with { LateWritten = late.Written };
        if (running.Alerts is { } alerts) status = status with { AlertsRaised = alerts.Counts.Raised, AlertsRecovered = alerts.Counts.Recovered };
        return running.Mqtt is { } mqtt ? status with { Mqtt = mqtt.State, MqttMessages = mqtt.Messages } : status;
    }

    /// <summary>Every stream's figures (for /metrics).</summary>
    public IReadOnlyList<StreamStatus> StatusAll() => _streams.Keys.Select(Status).ToList();

    private Running Get(string name)
    {
        var stream = Find(name);
        if (_streams.TryGetValue(stream.Name, out var running)) return running;
        throw _failures.TryGetValue(stream.Name, out var failure)
            ? new StreamUnavailableException(stream.Name, failure)
            : new StreamUnavailableException(stream.Name, $"stream '{stream.Name}' is replaying its log at start; try again shortly", OpeningRetry);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        // A replay under way finishes first: its stream is then stopped like the others.
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var running in _streams.Values)
        {
            // The subscription stops first: nothing may be acknowledged to the broker once the log closes.
            if (running.Mqtt is { } mqtt) await mqtt.DisposeAsync();
            await running.Timer.DisposeAsync();
            try
            {
                await running.Worker.WaitAsync(cancellationToken);
                if (running.LateWorker is { } lateWorker) await lateWorker.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException) { }
            running.Runtime.Dispose();
            if (running.Alerts is { } alerts) await alerts.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stop.Dispose();
    }
}
