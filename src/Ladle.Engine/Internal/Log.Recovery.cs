using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Internal;

/// <summary>Log messages of start-up recovery and the store's manifest; event ids 1050-1069.</summary>
internal static partial class Log
{
    [LoggerMessage(1050, LogLevel.Warning, "Could not record {Dataset} version {Version} in the store's manifest; the next start copies it from the state")]
    public static partial void ManifestWriteFailed(ILogger logger, Exception exception, string dataset, long version);

    [LoggerMessage(1051, LogLevel.Information, "Dropped {Dataset} version {Version}: it is past the {Retain} version(s) the dataset retains")]
    public static partial void DroppedPastRetention(ILogger logger, string dataset, long version, int retain);

    [LoggerMessage(1052, LogLevel.Information, "{Dataset} version {Version} was interrupted when Ladle stopped; running it again ({Trigger})")]
    public static partial void RerunInterrupted(ILogger logger, string dataset, long version, string trigger);

    [LoggerMessage(1059, LogLevel.Warning, "{Dataset} version {Version} publishes without an index on its primary key: lookups by key scan the table")]
    public static partial void KeyIndexFailed(ILogger logger, Exception exception, string dataset, long version);
}
