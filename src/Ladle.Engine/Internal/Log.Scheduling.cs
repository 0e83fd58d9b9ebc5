using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Internal;

/// <summary>Log messages of the scheduler and its run queue; event ids 1300-1399.</summary>
internal static partial class Log
{
    [LoggerMessage(1300, LogLevel.Information, "Scheduler started: {Count} dataset(s) on a schedule; next run {Next}")]
    public static partial void SchedulerStarted(ILogger logger, int count, string next);

    [LoggerMessage(1301, LogLevel.Information, "Run of {Dataset} queued ({Trigger})")]
    public static partial void RunQueued(ILogger logger, string dataset, string trigger);

    [LoggerMessage(1302, LogLevel.Debug, "Request for {Dataset} ({Trigger}) joined the run already queued or building ({RunTrigger})")]
    public static partial void RunCoalesced(ILogger logger, string dataset, string trigger, string runTrigger);

    [LoggerMessage(1303, LogLevel.Information, "Schedule due for {Datasets}")]
    public static partial void ScheduleDue(ILogger logger, string datasets);

    [LoggerMessage(1304, LogLevel.Warning, "Run of {Dataset} failed at its source (attempt {Attempt} of {MaxAttempts}); retrying at {RetryAt:u}: {Error}")]
    public static partial void RunRetrying(ILogger logger, string dataset, int attempt, int maxAttempts, DateTimeOffset retryAt, string error);

    [LoggerMessage(1305, LogLevel.Error, "Run of {Dataset} gave up after {Attempts} attempt(s) failed at the source: {Error}")]
    public static partial void RunGaveUp(ILogger logger, string dataset, int attempts, string error);

    [LoggerMessage(1306, LogLevel.Warning, "Run of {Dataset} skipped: its dependency {Dependency} failed; the served version stays")]
    public static partial void RunSkipped(ILogger logger, string dataset, string dependency);

    [LoggerMessage(1307, LogLevel.Information, "{Dataset} published; rebuilding its unscheduled dependents: {Dependents}")]
    public static partial void Cascading(ILogger logger, string dataset, string dependents);

    [LoggerMessage(1308, LogLevel.Error, "Run of {Dataset} failed unexpectedly")]
    public static partial void RunCrashed(ILogger logger, Exception exception, string dataset);

    [LoggerMessage(1309, LogLevel.Information, "{Dataset} missed its run due at {Due:u} while Ladle was stopped; running it now")]
    public static partial void MissedRun(ILogger logger, string dataset, DateTimeOffset due);
}
