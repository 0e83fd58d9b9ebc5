using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Internal;

/// <summary>Run leases held across processes and nodes (<see cref="State.HeldRunLease"/>): 1700–1719.</summary>
internal static partial class Log
{
    [LoggerMessage(1700, LogLevel.Warning, "Took over the run lease of {Resource} from {Owner}, a process of this machine that no longer runs")]
    public static partial void RunLeaseTakenOver(ILogger logger, string resource, string owner);

    [LoggerMessage(1701, LogLevel.Error, "Lost the run lease of {Resource} ({Owner}): it expired or was taken over; the run stops, since another may be running it")]
    public static partial void RunLeaseLost(ILogger logger, string resource, string owner);

    [LoggerMessage(1702, LogLevel.Warning, "Could not renew the run lease of {Resource}: {Reason}; trying again until it expires")]
    public static partial void RunLeaseRenewFailed(ILogger logger, string resource, string reason);

    [LoggerMessage(1703, LogLevel.Warning, "Could not release the run lease of {Resource}: {Reason}; it expires on its own")]
    public static partial void RunLeaseReleaseFailed(ILogger logger, string resource, string reason);

    [LoggerMessage(1704, LogLevel.Information, "Not building {Dataset}: {Owner} holds its run lease (another process or node is building it)")]
    public static partial void RunLeaseBusy(ILogger logger, string dataset, string owner);
}
