using Microsoft.Extensions.Logging;

namespace Ladle.Streams.Internal;

/// <summary>Source-generated log messages of streams; event ids 6000-6099.</summary>
internal static partial class Log
{
    [LoggerMessage(6000, LogLevel.Warning, "Stream log {Path}: cut {Bytes} byte(s) of a frame the process died while writing (never acknowledged)")]
    public static partial void TornTail(ILogger logger, string path, long bytes);

    [LoggerMessage(6001, LogLevel.Information, "Stream {Stream}: replayed {Records} log record(s); {Emitted} window(s) were already published, {Owed} are published now")]
    public static partial void Replayed(ILogger logger, string stream, int records, long emitted, long owed);

    [LoggerMessage(6002, LogLevel.Error, "Stream {Stream}: its log could not be written; ingest stops until Ladle restarts and replays the log")]
    public static partial void LogFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(6003, LogLevel.Error, "Stream {Stream}: closed windows could not be written to the store; retrying")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(6004, LogLevel.Warning, "Stream {Stream}: publishing its windows dataset did not succeed: {Reason}")]
    public static partial void PublishFailed(ILogger logger, string stream, string reason);

    [LoggerMessage(6005, LogLevel.Information, "Stream {Stream}: live subscriber {Principal} dropped: {Reason}")]
    public static partial void SubscriberDropped(ILogger logger, string stream, string principal, string reason);

    [LoggerMessage(6006, LogLevel.Information, "Stream {Stream}: subscribed to MQTT topic {Topic} at {Broker}")]
    public static partial void MqttSubscribed(ILogger logger, string stream, string topic, string broker);

    [LoggerMessage(6007, LogLevel.Warning, "Stream {Stream}: MQTT ingest is not running: {Reason}; retrying")]
    public static partial void MqttDown(ILogger logger, string stream, string reason);

    [LoggerMessage(6008, LogLevel.Warning, "Stream {Stream}: an MQTT message on {Topic} had {Rejected} bad event(s); the first: line {Line}: {Reason}")]
    public static partial void MqttRejected(ILogger logger, string stream, string topic, long rejected, long line, string reason);

    [LoggerMessage(6009, LogLevel.Warning, "Stream {Stream}: alert '{Rule}' could not be recorded; it is evaluated again with the next window")]
    public static partial void AlertFailed(ILogger logger, Exception exception, string stream, string rule);

    [LoggerMessage(6012, LogLevel.Information, "Stream log: deleted segment {Path}; replay starts at the next one's snapshot (windows up to {Seq} published)")]
    public static partial void SegmentDeleted(ILogger logger, string path, long seq);

    [LoggerMessage(6013, LogLevel.Warning, "Stream {Stream}: a log segment no longer needed could not be deleted; tried again later")]
    public static partial void CompactFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(6011, LogLevel.Error, "Stream {Stream} could not open; it answers 503 with the reason until Ladle restarts")]
    public static partial void OpenFailed(ILogger logger, Exception exception, string stream);
}
