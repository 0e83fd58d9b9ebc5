using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Internal;

/// <summary>Log messages of several nodes sharing state and versions (1480–1499).</summary>
internal static partial class Log
{
    [LoggerMessage(1480, LogLevel.Information, "Serving {Dataset} version {Version}, published by another node: loaded {Rows} rows from {Storage} in {Milliseconds} ms")]
    public static partial void Adopted(ILogger logger, string dataset, long version, long rows, string storage, long milliseconds);

    [LoggerMessage(1481, LogLevel.Warning, "{Dataset} version {Version} was published by another node, but this node cannot load it: {Reason}; it keeps serving what it has")]
    public static partial void AdoptFailed(ILogger logger, string dataset, long version, string reason);

    [LoggerMessage(1482, LogLevel.Warning, "Following another node's change of {Subject} failed; the next reconcile tries again")]
    public static partial void FollowFailed(ILogger logger, Exception exception, string subject);

    [LoggerMessage(1483, LogLevel.Warning, "Could not remove {Dataset} version {Version} from the shared storage; it stays there unused")]
    public static partial void SharedDeleteFailed(ILogger logger, Exception exception, string dataset, long version);

    [LoggerMessage(1486, LogLevel.Information, "Loaded {Dataset} version {Version} (still retained, asked for by a cursor) from {Storage}: {Rows} rows in {Milliseconds} ms")]
    public static partial void LoadedRetained(ILogger logger, string dataset, long version, long rows, string storage, long milliseconds);

    [LoggerMessage(1484, LogLevel.Information, "Removed {Count} leftover(s) no node needs from the shared storage: {Paths}")]
    public static partial void SharedLeftoversRemoved(ILogger logger, int count, string paths);

    [LoggerMessage(1485, LogLevel.Warning, "Could not remove leftovers from the shared storage; the next retention pass tries again")]
    public static partial void SharedLeftoversFailed(ILogger logger, Exception exception);
}
