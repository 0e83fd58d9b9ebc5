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
}
