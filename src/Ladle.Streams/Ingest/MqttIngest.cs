using System.Buffers;
using Ladle.Core.Errors;
using Ladle.Core.Model.Streams;
using Ladle.Streams.Internal;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Ladle.Streams.Ingest;

/// <summary>
/// A stream's MQTT subscription: each message (one event, NDJSON or a JSON array) goes through the same ingest as an
/// HTTP batch (validated, counted, written to the log and flushed to the disk), and only then is it acknowledged to
/// the broker (QoS 1, PUBACK). The session is persistent (clean start off, a stable client id), so messages that
/// arrive while Ladle is down, or that were never acknowledged because the log could not take them, are delivered
/// again by the broker. Delivery is at least once: a kill between the flush and the PUBACK redelivers a message whose
/// events are already in the log.
/// </summary>
internal sealed class MqttIngest(StreamDefinition stream, MqttSource source, string project, Func<ReadOnlyMemory<byte>, IngestResult> ingest,
    ILogger logger) : IAsyncDisposable
{
    private static readonly uint SessionExpirySeconds = (uint)TimeSpan.FromDays(7).TotalSeconds;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _messages;
    private volatile string _state = "starting";

    /// <summary>Where the subscription stands: connected (with the broker and topic), or why not.</summary>
    public string State => _state;

    /// <summary>Messages taken from the broker and acknowledged.</summary>
    public long Messages => Interlocked.Read(ref _messages);

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>The broker named by the environment: host, port, TLS and credentials from <c>mqtt[s]://user:password@host:port</c>.</summary>
    internal static MqttClientOptionsBuilder Broker(StreamDefinition stream, MqttSource source, out string display)
    {
        var text = Environment.GetEnvironmentVariable(source.BrokerEnv);
        if (string.IsNullOrWhiteSpace(text))
            throw new SourceUnavailableException(stream.Name, $"stream '{stream.Name}' subscribes to MQTT topic '{source.Topic}', but the environment variable {source.BrokerEnv} that names its broker is not set; " +
                $"set {source.BrokerEnv}=mqtt://user:password@host:1883 where Ladle runs");
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts" or "tcp") || uri.Host.Length == 0)
            throw new SourceUnavailableException(stream.Name, $"stream '{stream.Name}': the environment variable {source.BrokerEnv} is not a broker address; write mqtt://user:password@host:1883 (or mqtts:// for TLS)");
        var tls = uri.Scheme == "mqtts";
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 8883 : 1883) : uri.Port;
        display = $"{uri.Scheme}://{uri.Host}:{port}";
        var builder = new MqttClientOptionsBuilder().WithTcpServer(uri.Host, port).WithProtocolVersion(MqttProtocolVersion.V500);
        if (tls) builder = builder.WithTlsOptions(o => o.UseTls());
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            var password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            builder = builder.WithCredentials(user, password);
        }
        return builder;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        // Reconnection waits on the wall clock (a broker's restart is real time, not the stream's event time).
        while (!cancellationToken.IsCancellationRequested)
        {
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var client = new MqttClientFactory().CreateMqttClient();
            try
            {
                var options = Broker(stream, source, out var broker)
                    .WithClientId(source.ClientId ?? $"ladle-{project}-{stream.Name}")
                    .WithCleanStart(false)
                    .WithSessionExpiryInterval(SessionExpirySeconds)
                    .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
                    .Build();
                client.ApplicationMessageReceivedAsync += e => OnMessageAsync(e, client, lost);
                client.DisconnectedAsync += e =>
                {
                    lost.TrySetResult();
                    return Task.CompletedTask;
                };
                using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    connect.CancelAfter(TimeSpan.FromSeconds(10));
                    await client.ConnectAsync(options, connect.Token);
                    var subscribe = new MqttClientFactory().CreateSubscribeOptionsBuilder()
                        .WithTopicFilter(f => f.WithTopic(source.Topic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                        .Build();
                    var answer = await client.SubscribeAsync(subscribe, connect.Token);
                    if (answer.Items.FirstOrDefault() is { } item && (int)item.ResultCode > 2)
                        throw new SourceUnavailableException(stream.Name, $"stream '{stream.Name}': the broker refused the subscription to '{source.Topic}' ({item.ResultCode}); check the topic filter and the user's rights");
                }
                _state = $"connected to {broker}, topic {source.Topic}";
                Log.MqttSubscribed(logger, stream.Name, source.Topic, broker);
                failures = 0;
                await lost.Task.WaitAsync(cancellationToken);
                _state = "disconnected; reconnecting";
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { break; }
            catch (Exception e) when (e is MqttCommunicationException or LadleException or OperationCanceledException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                var reason = e is LadleException ? e.Message : $"cannot reach the broker ({e.Message})";
                _state = reason;
                if (failures++ % 10 == 0) Log.MqttDown(logger, stream.Name, reason);
            }
            finally
            {
                if (client.IsConnected)
                {
                    try { await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None); }
                    catch (MqttCommunicationException) { }
                }
            }
            try { await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * Math.Pow(2, Math.Min(failures, 6)))), cancellationToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, IMqttClient client, TaskCompletionSource lost)
    {
        // Acknowledged by hand, after the events are on the disk: a message the log could not take is never acknowledged.
        e.AutoAcknowledge = false;
        var payload = e.ApplicationMessage.Payload;
        var body = payload.IsSingleSegment ? payload.First : payload.ToArray();
        IngestResult result;
        try
        {
            result = body.Length == 0 ? new IngestResult(0, 0, 0, []) : ingest(body);
        }
        catch (StreamUnavailableException failure)
        {
            // The session keeps the message: a reconnection (after a restart replays the log) gets it again.
            _state = failure.Message;
            lost.TrySetResult();
            _ = client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
            return;
        }
        if (result.Rejected > 0 && result.Errors.FirstOrDefault() is { } first)
            Log.MqttRejected(logger, stream.Name, e.ApplicationMessage.Topic, result.Rejected, first.Line, first.Reason);
        // Bad events are counted and answered the only way MQTT can (the log); redelivering them would never help.
        await e.AcknowledgeAsync(CancellationToken.None);
        Interlocked.Increment(ref _messages);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try { await _loop; }
            catch (OperationCanceledException) { }
        }
        _stop.Dispose();
    }
}
