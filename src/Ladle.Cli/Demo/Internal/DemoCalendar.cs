namespace Ladle.Cli.Demo.Internal;

/// <summary>The fixed "now" of the demo: every timestamp is relative to it, never to the clock, so output is reproducible.</summary>
internal static class DemoCalendar
{
    /// <summary>The instant the demo's data ends (UTC, exclusive): 2026-11-01 00:00.</summary>
    public static readonly DateTime Anchor = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Unspecified);

    /// <summary>Orders cover the two years before the anchor.</summary>
    public const int OrderDays = 730;

    /// <summary>Thermostat readings cover the four weeks before the anchor.</summary>
    public const int ReadingDays = 28;

    /// <summary>Warehouse sensors and fabric batches cover the quarter before the anchor.</summary>
    public const int FactoryDays = 90;

    public static DateTime OrdersStart => Anchor.AddDays(-OrderDays);

    /// <summary>Truncates to whole seconds: the files keep second precision and ticks would make equal rows differ.</summary>
    public static DateTime Seconds(DateTime value) => new(value.Ticks - value.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Unspecified);
}
