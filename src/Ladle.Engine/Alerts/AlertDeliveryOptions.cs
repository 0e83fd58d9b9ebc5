namespace Ladle.Engine.Alerts;

/// <summary>How hard the dispatcher tries to deliver an alert, and how long it may hold up a shutdown.</summary>
public sealed record AlertDeliveryOptions
{
    /// <summary>Attempts per alert and channel, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wait before the second attempt; it doubles for each further one (1s, 2s, 4s, 8s by default).</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts, also the cap on a server's Retry-After.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one POST may take before it counts as a failed attempt.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Alerts waiting for delivery; beyond this, new ones are dropped (and logged) rather than block anyone.</summary>
    public int QueueCapacity { get; init; } = 1000;

    /// <summary>How long a clean shutdown waits for queued alerts to be delivered.</summary>
    public TimeSpan FlushTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
