using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Model.Streams;
using Ladle.Streams.Windows;

namespace Ladle.Streams.Tests;

/// <summary>
/// The incremental windows against a brute-force reference: random event sets, out of order and with late events,
/// for each window kind. The reference keeps every accepted event and computes each window from its rows at the end,
/// deciding lateness by the same rule (the watermark when the event arrived); the engine never sees rows again.
/// </summary>
public sealed class WindowReferenceTests
{
    private static readonly SourceLocation At = new("streams/test.yaml", 1, 1);
    private static readonly DateTime T0 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(WindowKind.Tumbling, 1)]
    [InlineData(WindowKind.Tumbling, 2)]
    [InlineData(WindowKind.Hopping, 3)]
    [InlineData(WindowKind.Hopping, 4)]
    [InlineData(WindowKind.Session, 5)]
    [InlineData(WindowKind.Session, 6)]
    public void Incremental_windows_match_a_brute_force_reference_over_random_out_of_order_events(WindowKind kind, int seed)
    {
        var stream = Stream(kind, lateness: TimeSpan.FromMinutes(2));
        var random = new Random(seed);
        var events = new List<object?[]>();
        for (var i = 0; i < 3000; i++)
        {
            // Time mostly moves on, with jitter both ways; one event in twenty is ten minutes late.
            var t = T0.AddSeconds(i * 7 + random.Next(-150, 150) - (random.Next(20) == 0 ? 600 : 0));
            double? kwh = random.Next(15) == 0 ? null : Math.Round(random.NextDouble() * 5, 3);
            events.Add(["h" + random.Next(6), t, kwh]);
        }

        var engine = new WindowEngine(stream);
        var closed = new List<ClosedWindow>();
        var late = 0;
        foreach (var e in events)
            if (engine.Apply(e, ((DateTime)e[1]!).Ticks, closed) == EventOutcome.Late) late++;
        engine.AdvanceTo(long.MaxValue, closed);

        var (expected, expectedLate) = Reference(stream, events);
        Assert.Equal(expectedLate, late);
        Assert.True(late > 0, "the random set must hold late events");
        Assert.Equal(0, engine.OpenWindows);
        Assert.Equal(expected.Count, closed.Count);
        Assert.Equal(closed.Count, closed.Select(w => (w.Keys[0], w.Start)).Distinct().Count());
        // Emitted in order of their ends (then starts), as the watermark passes them.
        Assert.True(closed.Zip(closed.Skip(1)).All(p => p.First.End < p.Second.End || (p.First.End == p.Second.End && p.First.Start <= p.Second.Start)));
        foreach (var window in closed)
        {
            var key = ((string)window.Keys[0]!, window.Start, window.End);
            Assert.True(expected.TryGetValue(key, out var rows), $"no reference window {key}");
            var kwh = rows.Where(r => r[2] is not null).Select(r => (double)r[2]!).ToList();
            Assert.Equal((long)rows.Count, window.Aggregates[0]);
            Assert.Equal((long)kwh.Count, window.Aggregates[1]);
            Close(kwh.Count == 0 ? null : kwh.Sum(), window.Aggregates[2]);
            Close(kwh.Count == 0 ? null : kwh.Average(), window.Aggregates[3]);
            Close(kwh.Count == 0 ? null : kwh.Min(), window.Aggregates[4]);
            Close(kwh.Count == 0 ? null : kwh.Max(), window.Aggregates[5]);
            Close(kwh.Count == 0 ? null : Quantile(kwh, 0.9), window.Aggregates[6]);
            Assert.Equal(rows.Max(r => (DateTime)r[1]!), window.Aggregates[7]);
        }
    }

    [Fact]
    public void An_event_past_max_keys_is_refused_and_changes_nothing()
    {
        var stream = Stream(WindowKind.Tumbling, TimeSpan.Zero) with { MaxKeys = 2 };
        var engine = new WindowEngine(stream);
        var closed = new List<ClosedWindow>();
        Assert.Equal(EventOutcome.Accepted, engine.Apply(["a", T0, 1.0], T0.Ticks, closed));
        Assert.Equal(EventOutcome.Accepted, engine.Apply(["b", T0, 1.0], T0.Ticks, closed));
        Assert.Equal(EventOutcome.TooManyKeys, engine.Apply(["c", T0, 1.0], T0.Ticks, closed));
        Assert.Equal(2, engine.Keys);
        // A known key still opens its next window.
        Assert.Equal(EventOutcome.Accepted, engine.Apply(["a", T0.AddSeconds(30), 1.0], T0.AddSeconds(30).Ticks, closed));
    }

    private static void Close(double? expected, object? actual)
    {
        if (expected is null) { Assert.Null(actual); return; }
        Assert.NotNull(actual);
        Assert.True(Math.Abs(expected.Value - (double)actual) <= 1e-9 * Math.Max(1, Math.Abs(expected.Value)), $"expected {expected}, got {actual}");
    }

    private static double Quantile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var position = p * (sorted.Length - 1);
        var below = sorted[(int)position];
        var above = sorted[Math.Min(sorted.Length - 1, (int)position + 1)];
        return below + (above - below) * (position - (int)position);
    }

    /// <summary>Every accepted event kept whole; windows computed from them at the end.</summary>
    private static (Dictionary<(string, long, long), List<object?[]>> Windows, int Late) Reference(StreamDefinition stream, List<object?[]> events)
    {
        var windows = new Dictionary<(string, long, long), List<object?[]>>();
        var accepted = new List<object?[]>();
        var watermark = long.MinValue;
        var newest = long.MinValue;
        var late = 0;
        var size = stream.Window.Size.Ticks;
        var slide = stream.Window.Slide.Ticks;
        foreach (var e in events)
        {
            var t = ((DateTime)e[1]!).Ticks;
            var key = (string)e[0]!;
            if (stream.Window.Kind == WindowKind.Session)
            {
                if (t < watermark) { late++; continue; }
                accepted.Add(e);
            }
            else
            {
                var taken = false;
                // Every slide boundary s with s <= t < s + size, counted from the Unix epoch.
                for (var s = DateTime.UnixEpoch.Ticks + (t - DateTime.UnixEpoch.Ticks) / slide * slide; s > t - size; s -= slide)
                {
                    if (s + size <= watermark) continue;
                    taken = true;
                    var id = (key, s, s + size);
                    if (!windows.TryGetValue(id, out var rows)) windows[id] = rows = [];
                    rows.Add(e);
                }
                if (!taken) { late++; continue; }
            }
            newest = Math.Max(newest, t);
            watermark = Math.Max(watermark, newest - stream.AllowedLateness.Ticks);
        }
        if (stream.Window.Kind == WindowKind.Session)
        {
            foreach (var group in accepted.GroupBy(e => (string)e[0]!))
            {
                var sorted = group.OrderBy(e => ((DateTime)e[1]!).Ticks).ToList();
                var current = new List<object?[]> { sorted[0] };
                for (var i = 1; i <= sorted.Count; i++)
                {
                    if (i < sorted.Count && ((DateTime)sorted[i][1]!).Ticks - ((DateTime)sorted[i - 1][1]!).Ticks < stream.Window.Gap.Ticks)
                    {
                        current.Add(sorted[i]);
                        continue;
                    }
                    windows[(group.Key, ((DateTime)current[0][1]!).Ticks, ((DateTime)current[^1][1]!).Ticks + stream.Window.Gap.Ticks)] = current;
                    if (i < sorted.Count) current = [sorted[i]];
                }
            }
        }
        return (windows, late);
    }

    internal static StreamDefinition Stream(WindowKind kind, TimeSpan lateness) => new()
    {
        Name = "test",
        Dataset = "test_windows",
        Columns =
        [
            new ColumnDefinition { Name = "household", Type = LadleType.String, Location = At },
            new ColumnDefinition { Name = "at", Type = LadleType.Timestamp, Location = At },
            new ColumnDefinition { Name = "kwh", Type = LadleType.Double, Location = At },
        ],
        EventTime = "at",
        Keys = ["household"],
        Window = kind switch
        {
            WindowKind.Tumbling => new WindowDefinition(kind, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), TimeSpan.Zero),
            WindowKind.Hopping => new WindowDefinition(kind, TimeSpan.FromMinutes(6), TimeSpan.FromMinutes(2), TimeSpan.Zero),
            _ => new WindowDefinition(kind, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(40)),
        },
        Aggregates =
        [
            new AggregateDefinition("events", AggregateFunction.Count, null, 0, LadleType.Integer, At),
            new AggregateDefinition("readings", AggregateFunction.Count, "kwh", 0, LadleType.Integer, At),
            new AggregateDefinition("kwh", AggregateFunction.Sum, "kwh", 0, LadleType.Double, At),
            new AggregateDefinition("kwh_avg", AggregateFunction.Avg, "kwh", 0, LadleType.Double, At),
            new AggregateDefinition("kwh_min", AggregateFunction.Min, "kwh", 0, LadleType.Double, At),
            new AggregateDefinition("kwh_max", AggregateFunction.Max, "kwh", 0, LadleType.Double, At),
            new AggregateDefinition("kwh_p90", AggregateFunction.Percentile, "kwh", 0.9, LadleType.Double, At),
            new AggregateDefinition("last_at", AggregateFunction.Max, "at", 0, LadleType.Timestamp, At),
        ],
        AllowedLateness = lateness,
        File = "streams/test.yaml",
        Location = At,
    };
}
