using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Internal;

/// <summary>One scheduler across several nodes (<see cref="State.IRunClaims"/>): 1720–1739.</summary>
internal static partial class Log
{
    [LoggerMessage(1720, LogLevel.Debug, "Not running {Dataset} for {Occasion}: another node claimed it")]
    public static partial void RunClaimedElsewhere(ILogger logger, string dataset, string occasion);

    [LoggerMessage(1721, LogLevel.Warning, "Could not claim the runs of {Datasets} in the state store ({Reason}); running them here, the run lease still keeps builds apart")]
    public static partial void RunClaimFailed(ILogger logger, string datasets, string reason);

    [LoggerMessage(1722, LogLevel.Warning, "Version {Version} of {Dataset} was left unfinished by {Owner}; running it again here")]
    public static partial void RerunAbandoned(ILogger logger, string dataset, long version, string owner);

    [LoggerMessage(1723, LogLevel.Warning, "Looking for builds left by nodes that died failed: {Reason}; looking again shortly")]
    public static partial void AbandonedCheckFailed(ILogger logger, string reason);

    [LoggerMessage(1724, LogLevel.Information, "{Dataset} is being built by {Owner} (another node); this run waits for it to finish, then builds")]
    public static partial void RunWaitsForLease(ILogger logger, string dataset, string owner);
}
