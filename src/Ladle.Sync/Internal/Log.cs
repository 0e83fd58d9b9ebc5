using Microsoft.Extensions.Logging;

namespace Ladle.Syncs.Internal;

/// <summary>Source-generated log messages of syncs; event ids 5000-5999.</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Information, "Sync {Sync} run {Run} finished {Status}: {Acknowledged} acknowledged, {Rejected} rejected of {Planned} planned")]
    public static partial void RunFinished(ILogger logger, string sync, long run, string status, long acknowledged, long rejected, long planned);

    [LoggerMessage(5001, LogLevel.Warning, "Sync {Sync}: the destination failed transiently ({Reason}); attempt {Attempt}, next in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string sync, string reason, int attempt, long delayMs);

    [LoggerMessage(5002, LogLevel.Information, "Sync {Sync}: {Acknowledged} row(s) a killed run left in flight are held by the destination; acknowledged without re-sending")]
    public static partial void RecoveredInFlight(ILogger logger, string sync, int acknowledged);

    [LoggerMessage(5003, LogLevel.Warning, "Sync {Sync} run {Run} stopped by a circuit breaker: {Reason}")]
    public static partial void Broken(ILogger logger, string sync, long run, string reason);

    [LoggerMessage(5004, LogLevel.Information, "Sync {Sync}: took over the lease of run owner {Owner}, a process of this machine that no longer runs")]
    public static partial void TookOverLease(ILogger logger, string sync, string owner);

    [LoggerMessage(5005, LogLevel.Error, "Sync {Sync} ({Trigger}) could not run")]
    public static partial void ScheduledRunFailed(ILogger logger, Exception exception, string sync, string trigger);

    [LoggerMessage(5050, LogLevel.Warning, "Sync {Sync} run {Run}: an observer of finished runs (metrics, alerts) failed")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string sync, long run);
}
