using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Internal;

internal static partial class Log
{
    [LoggerMessage(1660, LogLevel.Error, "Version {Version} of {Dataset} failed but its failure cannot be written yet ({Reason}); held in memory and written once there is room")]
    public static partial void FailureHeld(ILogger logger, string dataset, long version, string reason);

    [LoggerMessage(1661, LogLevel.Information, "Wrote the held failure of {Dataset} version {Version}: the disk has room again")]
    public static partial void HeldFailureWritten(ILogger logger, string dataset, long version);

    [LoggerMessage(1662, LogLevel.Error, "{Count} version failure(s) could not be written to {File} before stopping; the next start marks them interrupted")]
    public static partial void HeldFailuresLost(ILogger logger, int count, string file);

    [LoggerMessage(1663, LogLevel.Error, "Could not start a version of {Dataset}: {Reason}")]
    public static partial void BeginFailed(ILogger logger, string dataset, string reason);

    [LoggerMessage(1664, LogLevel.Warning, "Removed {Count} named pipe(s) left in {Directory} by exports of a process that was killed")]
    public static partial void RemovedStalePipes(ILogger logger, int count, string directory);
}
