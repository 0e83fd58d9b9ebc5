using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Internal;

/// <summary>Source-generated log messages of the engine; event ids 1000-1999.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Recovered {Count} version(s) left building by an interrupted process; marked interrupted, to run again")]
    public static partial void RecoveredInterrupted(ILogger logger, int count);

    [LoggerMessage(1001, LogLevel.Warning, "Published version {Version} of {Dataset} has no table in the store; marked dropped")]
    public static partial void MissingVersionTable(ILogger logger, string dataset, long version);

    [LoggerMessage(1002, LogLevel.Warning, "Dropped table {Table} from the store: neither the state nor the store's manifest has a record of it")]
    public static partial void DroppedOrphan(ILogger logger, string table);

    [LoggerMessage(1003, LogLevel.Information, "Published {Dataset} version {Version}: {Rows} rows in {Milliseconds} ms")]
    public static partial void Published(ILogger logger, string dataset, long version, long rows, long milliseconds);

    [LoggerMessage(1004, LogLevel.Error, "Materialization of {Dataset} version {Version} failed: {Reason}; the previous version stays served")]
    public static partial void MaterializationFailed(ILogger logger, Exception? exception, string dataset, long version, string reason);

    [LoggerMessage(1007, LogLevel.Warning, "Quarantined {Dataset} version {Version}: {Reason}; the previous version stays served")]
    public static partial void Quarantined(ILogger logger, string dataset, long version, string reason);

    [LoggerMessage(1090, LogLevel.Error, "A handler of the version catalog's Changed event failed ({Kind} {Dataset} version {Version}); the change stands")]
    public static partial void VersionChangeHandlerFailed(ILogger logger, Exception exception, string dataset, long version, string kind);

    [LoggerMessage(1005, LogLevel.Warning, "Could not define the store view of {Dataset}: {Reason}")]
    public static partial void ViewFailed(ILogger logger, string dataset, string reason);

    [LoggerMessage(1006, LogLevel.Warning, "Could not drop version {Version} of {Dataset}")]
    public static partial void DropFailed(ILogger logger, Exception exception, string dataset, long version);
}
