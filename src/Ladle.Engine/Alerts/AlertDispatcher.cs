using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Engine.Alerts;

/// <summary>
/// Delivers alerts to the project's channels from a bounded in-memory queue drained by one background worker.
/// <see cref="Enqueue"/> never waits, so neither publication nor serving can be held up by a slow or dead
/// endpoint; each POST is retried with exponential backoff, and a clean shutdown flushes the queue for a bounded
/// time. An alert can carry a callback run once every channel has dealt with it (accepted it, refused it for good,
/// or exhausted its attempts); the incident monitor records there that the alert is no longer owed, so alerts still
/// queued when the process dies (or that a shutdown cut off) are sent again at the next start.
/// </summary>
public sealed class AlertDispatcher : IHostedService, IAsyncDisposable
{
    private readonly IReadOnlyList<Target> _targets;
    private readonly AlertDeliveryOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Delivery> _queue;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _abort = new();
    private Task? _worker;
    private volatile bool _stopping;
    private int _disposed;
    private long _pending;
    private long _delivered;
    private long _failed;
    private long _dropped;

    /// <param name="environment">Reads the variables named by <c>url_env</c>; the process environment by default.</param>
    public AlertDispatcher(ProjectDefinition project, AlertDeliveryOptions? options = null, ILogger<AlertDispatcher>? logger = null,
        Func<string, string?>? environment = null)
    {
        Project = project.Name;
        _options = options ?? new AlertDeliveryOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        environment ??= Environment.GetEnvironmentVariable;
        _targets = project.Alerts.Select(c => new Target(c, Resolve(c, environment))).ToList();
        _queue = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Webhook hosts move (Slack's do); pooled connections must not pin an old address forever.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = _options.RequestTimeout,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("ladle", "1"));
    }

    /// <summary>The project's name, as alerts state it.</summary>
    public string Project { get; }

    /// <summary>Channels that have a usable URL.</summary>
    public IEnumerable<AlertChannel> ActiveChannels => _targets.Where(t => t.Url is not null).Select(t => t.Channel);

    /// <summary>Deliveries (one per alert and channel) that a channel accepted.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Deliveries given up: refused with a 4xx, out of attempts, or cut off by shutdown.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Deliveries never attempted: queue full, channel without a URL, or enqueued after shutdown began.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Queues the alert for every channel that covers its dataset; returns at once, whatever the channels do.
    /// <paramref name="settled"/> runs (on the delivery worker, before <see cref="FlushAsync"/> returns) once every
    /// channel has dealt with the alert for good; never when a delivery was dropped or cut off by shutdown.
    /// </summary>
    public void Enqueue(AlertEvent alert, Func<Task>? settled = null)
    {
        var targets = _targets.Where(t => t.Channel.Covers(alert.Dataset)).ToList();
        var settlement = settled is null ? null : new Settlement(targets.Count(t => t.Url is not null), settled);
        foreach (var target in targets)
        {
            if (target.Url is null)
            {
                // Never deliverable until the configuration changes: not owed.
                Drop(alert, target, "the channel has no usable URL");
                continue;
            }
            Interlocked.Increment(ref _pending);
            if (!_queue.Writer.TryWrite(new Delivery(target, alert, settlement)))
            {
                Interlocked.Decrement(ref _pending);
                settlement?.Done(false);
                Drop(alert, target, _stopping ? "Ladle is shutting down" : $"{_options.QueueCapacity} alerts are already waiting");
            }
        }
        if (settlement?.Deliveries == 0)
        {
            // Nobody to tell: the alert is settled now.
            Interlocked.Increment(ref _pending);
            _ = RunSettledAsync(alert, settled!).ContinueWith(_ => Interlocked.Decrement(ref _pending), TaskScheduler.Default);
        }
    }

    private async Task RunSettledAsync(AlertEvent alert, Func<Task> settled)
    {
        try { await settled(); }
        catch (Exception e)
        {
            // The alert went out; failing to record that only means it may go out again after a restart.
            Log.AlertSettleFailed(_logger, e, alert.EventName, alert.Dataset);
        }
    }

    /// <summary>Waits until every queued alert has been delivered or given up (for tests and the CLI).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref _pending) > 0) await Task.Delay(10, cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _worker ??= Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops taking alerts and delivers what is queued, for at most <see cref="AlertDeliveryOptions.FlushTimeout"/>.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        if (_worker is null) return;
        _abort.CancelAfter(_options.FlushTimeout);
        await using var registration = cancellationToken.Register(_abort.Cancel);
        await _worker;
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var delivery in _queue.Reader.ReadAllAsync(_abort.Token))
            {
                var dealtWith = false;
                try { dealtWith = await DeliverAsync(delivery); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // An unforeseen failure fails this delivery, never the worker that delivers all the others.
                    Interlocked.Increment(ref _failed);
                    Log.AlertNotDelivered(_logger, delivery.Alert.EventName, delivery.Alert.Dataset, delivery.Target.Channel.Name, 0, e.Message);
                }
                finally
                {
                    if (delivery.Settlement?.Done(dealtWith) is { } settled) await RunSettledAsync(delivery.Alert, settled);
                    Interlocked.Decrement(ref _pending);
                }
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            var abandoned = 0;
            while (_queue.Reader.TryRead(out var left))
            {
                left.Settlement?.Done(false);
                abandoned++;
            }
            if (abandoned > 0)
            {
                Interlocked.Add(ref _failed, abandoned);
                Interlocked.Add(ref _pending, -abandoned);
                Log.AlertsAbandoned(_logger, abandoned);
            }
        }
    }

    /// <summary>Delivers to one channel with retries; true when the channel dealt with it for good, false when shutdown cut it off.</summary>
    private async Task<bool> DeliverAsync(Delivery delivery)
    {
        var (target, alert, _) = delivery;
        var body = AlertBody.Render(target.Channel.Kind, alert);
        var error = "";
        for (var attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            var outcome = await SendAsync(target.Url!, body);
            if (outcome.Delivered)
            {
                Interlocked.Increment(ref _delivered);
                Log.AlertDelivered(_logger, alert.EventName, alert.Dataset, target.Channel.Name, attempt);
                return true;
            }
            if (outcome.Aborted)
            {
                Interlocked.Increment(ref _failed);
                Log.AlertNotDelivered(_logger, alert.EventName, alert.Dataset, target.Channel.Name, attempt, "shutdown flush ran out of time");
                return false;
            }
            if (!outcome.Retryable)
            {
                // Refused for good: sending it again cannot help.
                Interlocked.Increment(ref _failed);
                Log.AlertRejected(_logger, alert.EventName, alert.Dataset, target.Channel.Name, outcome.StatusCode);
                return true;
            }
            error = outcome.Error;
            if (attempt == _options.MaxAttempts) break;

            var delay = Backoff(attempt, outcome.RetryAfter);
            Log.AlertRetrying(_logger, alert.EventName, alert.Dataset, target.Channel.Name, attempt, _options.MaxAttempts, error, (long)delay.TotalMilliseconds);
            try { await Task.Delay(delay, _abort.Token); }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _failed);
                Log.AlertNotDelivered(_logger, alert.EventName, alert.Dataset, target.Channel.Name, attempt, error + "; shutdown flush ran out of time");
                return false;
            }
        }
        // Out of attempts: given up (logged and counted), not owed again at every start.
        Interlocked.Increment(ref _failed);
        Log.AlertNotDelivered(_logger, alert.EventName, alert.Dataset, target.Channel.Name, _options.MaxAttempts, error);
        return true;
    }

    /// <summary>1s, 2s, 4s, … capped; a server's Retry-After is honoured when longer, within the cap.</summary>
    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = _options.FirstRetryDelay * Math.Pow(2, attempt - 1);
        var delay = retryAfter is { } asked && asked > exponential ? asked : exponential;
        return delay > _options.MaxRetryDelay ? _options.MaxRetryDelay : delay;
    }

    private async Task<Outcome> SendAsync(Uri url, byte[] body)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            using var response = await _http.PostAsync(url, content, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return new Outcome(true, false, false, status, "", null);
            // 408 and 429 say "later"; any other 4xx (or a redirect a POST cannot follow) says the request is wrong,
            // and repeating it cannot help.
            var retryable = status is >= 500 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests;
            var retryAfter = response.Headers.RetryAfter is { } ra
                ? ra.Delta ?? (ra.Date is { } date ? date - DateTimeOffset.UtcNow : null)
                : null;
            return new Outcome(false, retryable, false, status, $"HTTP {status}", retryAfter);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            return new Outcome(false, false, true, 0, "cancelled", null);
        }
        catch (OperationCanceledException)
        {
            return new Outcome(false, true, false, 0, $"no answer within {Durations.Format(_options.RequestTimeout)}", null);
        }
        catch (HttpRequestException e)
        {
            return new Outcome(false, true, false, 0, e.Message, null);
        }
    }

    private Uri? Resolve(AlertChannel channel, Func<string, string?> environment)
    {
        var text = channel.Url;
        if (channel.UrlEnv is { } variable)
        {
            text = environment(variable);
            if (string.IsNullOrWhiteSpace(text))
            {
                Log.AlertChannelUnset(_logger, channel.Name, variable);
                return null;
            }
        }
        if (text is not null && ProjectLoader.IsHttpUrl(text.Trim())) return new Uri(text.Trim());
        Log.AlertChannelInvalid(_logger, channel.Name, channel.UrlEnv is { } v ? $"environment variable {v}" : "its 'url'");
        return null;
    }

    private void Drop(AlertEvent alert, Target target, string why)
    {
        Interlocked.Increment(ref _dropped);
        Log.AlertDropped(_logger, alert.EventName, alert.Dataset, target.Channel.Name, why);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping = true;
        _queue.Writer.TryComplete();
        await _abort.CancelAsync();
        if (_worker is not null) await _worker;
        _http.Dispose();
        _abort.Dispose();
    }

    private sealed record Target(AlertChannel Channel, Uri? Url);

    private sealed record Delivery(Target Target, AlertEvent Alert, Settlement? Settlement);

    /// <summary>Counts one alert's deliveries down; the last one hands back the callback if every one was dealt with.</summary>
    private sealed class Settlement(int deliveries, Func<Task> settled)
    {
        private int _remaining = deliveries;
        private int _cutOff;

        public int Deliveries { get; } = deliveries;

        public Func<Task>? Done(bool dealtWith)
        {
            if (!dealtWith) Volatile.Write(ref _cutOff, 1);
            return Interlocked.Decrement(ref _remaining) == 0 && Volatile.Read(ref _cutOff) == 0 ? settled : null;
        }
    }

    private readonly record struct Outcome(bool Delivered, bool Retryable, bool Aborted, int StatusCode, string Error, TimeSpan? RetryAfter);
}
