using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Internal;

/// <summary>Log messages of incidents and alert delivery; event ids 1200-1299. URLs are never logged: they can be secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(1200, LogLevel.Warning, "A handler of Publisher.Materialized threw after {Dataset} was materialized; publication is unaffected")]
    public static partial void MaterializedHandlerFailed(ILogger logger, Exception exception, string dataset);

    [LoggerMessage(1201, LogLevel.Warning, "Incident opened: {Dataset} is {Kind}: {Reason}")]
    public static partial void IncidentOpened(ILogger logger, string dataset, string kind, string reason);

    [LoggerMessage(1202, LogLevel.Information, "Incident resolved: {Dataset} is no longer {Kind} (status {Status})")]
    public static partial void IncidentResolved(ILogger logger, string dataset, string kind, string status);

    [LoggerMessage(1203, LogLevel.Error, "Could not evaluate the status of {Dataset} for incidents; trying again at the next pass")]
    public static partial void StatusEvaluationFailed(ILogger logger, Exception exception, string dataset);

    [LoggerMessage(1204, LogLevel.Error, "Alert channel {Channel} is disabled: environment variable {Variable} is not set; export the webhook URL in it and restart")]
    public static partial void AlertChannelUnset(ILogger logger, string channel, string variable);

    [LoggerMessage(1205, LogLevel.Error, "Alert channel {Channel} is disabled: {Where} does not hold an absolute http or https URL")]
    public static partial void AlertChannelInvalid(ILogger logger, string channel, string where);

    [LoggerMessage(1206, LogLevel.Information, "Alert {Event} for {Dataset} delivered to channel {Channel} after {Attempts} attempt(s)")]
    public static partial void AlertDelivered(ILogger logger, string @event, string dataset, string channel, int attempts);

    [LoggerMessage(1207, LogLevel.Warning, "Alert {Event} for {Dataset} to channel {Channel}: attempt {Attempt} of {MaxAttempts} failed ({Error}); retrying in {DelayMs} ms")]
    public static partial void AlertRetrying(ILogger logger, string @event, string dataset, string channel, int attempt, int maxAttempts, string error, long delayMs);

    [LoggerMessage(1208, LogLevel.Error, "Alert {Event} for {Dataset} to channel {Channel} was not delivered after {Attempts} attempt(s): {Error}")]
    public static partial void AlertNotDelivered(ILogger logger, string @event, string dataset, string channel, int attempts, string error);

    [LoggerMessage(1209, LogLevel.Error, "Alert {Event} for {Dataset} was refused by channel {Channel} with HTTP {StatusCode}; not retried, the request itself is wrong (check the channel's URL)")]
    public static partial void AlertRejected(ILogger logger, string @event, string dataset, string channel, int statusCode);

    [LoggerMessage(1210, LogLevel.Warning, "Alert {Event} for {Dataset} to channel {Channel} was dropped: {Why}")]
    public static partial void AlertDropped(ILogger logger, string @event, string dataset, string channel, string why);

    [LoggerMessage(1211, LogLevel.Warning, "{Count} alert(s) were still undelivered when the flush at shutdown ran out of time; they are sent at the next start")]
    public static partial void AlertsAbandoned(ILogger logger, int count);

    [LoggerMessage(1212, LogLevel.Warning, "Alert {Event} for {Dataset} went out but could not be recorded as sent; it may be sent again after a restart")]
    public static partial void AlertSettleFailed(ILogger logger, Exception exception, string @event, string dataset);

    [LoggerMessage(1213, LogLevel.Information, "Sending {Count} alert(s) owed from before the last stop")]
    public static partial void AlertsOwed(ILogger logger, int count);
}
