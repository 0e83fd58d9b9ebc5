using System.Globalization;
using System.Net.Http.Headers;

namespace Ladle.Syncs.Delivery;

/// <summary>
/// HubSpot's rate-limit headers, honoured before the next request rather than learnt from a 429: when an answer says
/// the rolling window has no request left (<c>X-HubSpot-RateLimit-Remaining: 0</c>), the next request waits the
/// window out (<c>X-HubSpot-RateLimit-Interval-Milliseconds</c>); when the day's allowance is used up
/// (<c>X-HubSpot-RateLimit-Daily-Remaining: 0</c>) nothing more is sent today.
/// </summary>
internal sealed class HubSpotRateGate(TimeProvider clock)
{
    public const string MaxHeader = "X-HubSpot-RateLimit-Max";
    public const string RemainingHeader = "X-HubSpot-RateLimit-Remaining";
    public const string IntervalHeader = "X-HubSpot-RateLimit-Interval-Milliseconds";
    public const string DailyHeader = "X-HubSpot-RateLimit-Daily";
    public const string DailyRemainingHeader = "X-HubSpot-RateLimit-Daily-Remaining";

    /// <summary>HubSpot's rolling window when an answer does not say.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private DateTimeOffset _openAt = DateTimeOffset.MinValue;
    private bool _dayUsedUp;

    /// <summary>The rolling window the destination last announced.</summary>
    public TimeSpan Interval { get; private set; } = DefaultInterval;

    /// <summary>Waits until the rolling window has room; throws when the daily allowance is used up.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_lock)
        {
            if (_dayUsedUp) throw DailyLimitReached();
            wait = _openAt - clock.GetUtcNow();
        }
        if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, cancellationToken);
    }

    /// <summary>Reads an answer's rate-limit headers.</summary>
    public void Observe(HttpResponseHeaders headers)
    {
        lock (_lock)
        {
            if (Number(headers, IntervalHeader) is { } interval and > 0) Interval = TimeSpan.FromMilliseconds(interval);
            if (Number(headers, RemainingHeader) is <= 0) _openAt = clock.GetUtcNow() + Interval;
            if (Number(headers, DailyRemainingHeader) is <= 0) _dayUsedUp = true;
        }
    }

    /// <summary>A 429 of the rolling window: the wait it asked for, or the window.</summary>
    public TimeSpan Throttled(TimeSpan? retryAfter)
    {
        lock (_lock)
        {
            var wait = retryAfter ?? Interval;
            var until = clock.GetUtcNow() + wait;
            if (until > _openAt) _openAt = until;
            return wait;
        }
    }

    /// <summary>A 429 of the daily limit.</summary>
    public SyncDestinationException DayUsedUp()
    {
        lock (_lock) _dayUsedUp = true;
        return DailyLimitReached();
    }

    private static SyncDestinationException DailyLimitReached() =>
        new("HubSpot's daily API limit is used up (X-HubSpot-RateLimit-Daily-Remaining: 0, or a 429 with policyName DAILY); " +
            "the rows not sent stay owed and go with the next run after HubSpot's daily reset (midnight in the account's time zone)");

    private static long? Number(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
