using System.Globalization;
using System.Text;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.Tests.Semantic;

/// <summary>
/// One reading per UTC hour around both 2026 daylight-saving changes in Europe/Berlin: a Berlin day holds 23 hours
/// on the last Sunday of March and 25 on the last Sunday of October, and an hour bucket is one real hour.
/// </summary>
public sealed class DaylightSavingTests : IAsyncLifetime
{
    private readonly TestProject _project = new("");
    private LadleEngine _engine = null!;

    public async Task InitializeAsync()
    {
        var csv = new StringBuilder("reading_at,kwh\n");
        foreach (var (from, to) in new[] { (new DateTime(2026, 3, 20), new DateTime(2026, 4, 2)), (new DateTime(2026, 10, 22), new DateTime(2026, 10, 29)) })
            for (var at = from; at < to; at = at.AddHours(1))
                csv.Append(CultureInfo.InvariantCulture, $"{at:yyyy-MM-dd HH:mm:ss},0.5\n");
        _project.Write("data/meter.csv", csv.ToString());
        _project.Dataset("meter", "source: files\ntable: meter.csv\ncolumns:\n  - { name: reading_at, type: timestamp }\n  - { name: kwh, type: double }\n");
        _project.Write("models/meter.yaml", """
            dataset: meter
            dimensions:
              - { name: reading_at, type: time, zone: Europe/Berlin }
            measures:
              - { name: readings, agg: count }
              - { name: energy, agg: sum, column: kwh }
            """);
        _engine = await _project.OpenAsync();
        Assert.All(await _engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None), r => Assert.True(r.Published, r.Error));
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _project.Dispose();
    }

    [Fact]
    public async Task Berlin_days_have_23_hours_in_March_and_25_in_October()
    {
        var march = await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings", "energy"], Granularity = "day", Range = "2026-03-28..2026-03-31" });
        Assert.Equal(["2026-03-28 | 24 | 12", "2026-03-29 | 23 | 11.5", "2026-03-30 | 24 | 12"], march);
        var october = await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings", "energy"], Granularity = "day", Range = "2026-10-24..2026-10-27" });
        Assert.Equal(["2026-10-24 | 24 | 12", "2026-10-25 | 25 | 12.5", "2026-10-26 | 24 | 12"], october);
        // The same days in UTC are all 24 hours long.
        var utc = await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings"], Granularity = "day", Range = "2026-10-24..2026-10-27", Zone = "UTC" });
        Assert.Equal(["2026-10-24 | 24", "2026-10-25 | 24", "2026-10-26 | 24"], utc);
    }

    [Fact]
    public async Task The_repeated_October_hour_is_two_buckets_and_the_skipped_March_hour_is_none()
    {
        var october = await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings"], Granularity = "hour", Range = "2026-10-25" });
        Assert.Equal(25, october.Count);
        Assert.All(october, row => Assert.EndsWith(" | 1", row, StringComparison.Ordinal));
        // Hour buckets are the UTC instants local hours start at: 02:00 CEST (00:00 UTC) and 02:00 CET (01:00 UTC).
        Assert.Equal("2026-10-24 22:00:00 | 1", october[0]);
        Assert.Contains("2026-10-25 00:00:00 | 1", october);
        Assert.Contains("2026-10-25 01:00:00 | 1", october);
        var march = await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings"], Granularity = "hour", Range = "2026-03-29" });
        Assert.Equal(23, march.Count);
    }

    [Fact]
    public async Task Relative_ranges_resolve_in_the_query_zone()
    {
        // 07:00 in Berlin on Monday 30 March: yesterday was the short Sunday.
        _engine.Semantic.Clock = new FixedClock(new DateTimeOffset(2026, 3, 30, 5, 0, 0, TimeSpan.Zero));
        Assert.Equal(["23"], await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings"], Range = "yesterday" }));
        Assert.Equal(["47"], await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings"], Range = "last 2 days" }));
        // The week of Monday 23 March (complete, before this one) also lost an hour.
        Assert.Equal(["2026-03-23 | 167"], await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings"], Granularity = "week", Range = "last week" }));
        // In New York it is 01:00 on the 30th: yesterday is the 29th there, 24 hours, of which the data holds all.
        Assert.Equal(["24"], await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings"], Range = "yesterday", Zone = "America/New_York" }));
    }

    [Fact]
    public async Task Every_day_appears_with_fill_even_without_data()
    {
        // The data ends at 00:00 UTC on 2 April, 02:00 in Berlin.
        var filled = await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings"], Granularity = "day", Range = "2026-04-01..2026-04-05", Fill = "zero" });
        Assert.Equal(["2026-04-01 | 24", "2026-04-02 | 2", "2026-04-03 | 0", "2026-04-04 | 0"], filled);
        var nulls = await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["energy"], Granularity = "day", Range = "2026-04-01..2026-04-05", Fill = "null" });
        Assert.Equal(["2026-04-01 | 12", "2026-04-02 | 1", "2026-04-03 | null", "2026-04-04 | null"], nulls);
        var unfilled = await Answers.MetricAsync(_engine, new MetricQuery { Metrics = ["readings"], Granularity = "day", Range = "2026-04-01..2026-04-05" });
        Assert.Equal(["2026-04-01 | 24", "2026-04-02 | 2"], unfilled);
    }
}
