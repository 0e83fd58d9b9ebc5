using System.Globalization;
using System.Text;

namespace Ladle.Server.Tests.Features;

/// <summary>
/// Random readings and entity rows with every hard case of point-in-time joins (ties on event time, duplicate rows,
/// late rows, null keys, times and values, TTL edges), and a brute-force answer written with plain loops, independent of
/// the SQL under test: the latest known row by event, then created time, then row_id; NULL past the TTL.
/// </summary>
internal sealed class FeatureReference
{
    public static readonly DateTime Base = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly TimeSpan Ttl = TimeSpan.FromHours(6);

    public sealed record Reading(long RowId, long? Warehouse, DateTime? Event, DateTime? Created, double? Temperature, double? Humidity);

    public sealed record EntityRow(long? Warehouse, DateTime At, int Label);

    public List<Reading> Readings { get; } = [];
    public List<EntityRow> Entities { get; } = [];

    public FeatureReference(int seed, int readings, int entities)
    {
        var random = new Random(seed);
        TimeSpan[] delays = [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(2), TimeSpan.FromHours(7), TimeSpan.FromDays(1)];
        for (var i = 1; i <= readings; i++)
        {
            double? Temperature() => random.Next(10) == 0 ? null : Math.Round(random.NextDouble() * 40 - 5, 2);
            double? Humidity() => random.Next(20) == 0 ? null : Math.Round(random.NextDouble(), 3);
            if (Readings.Count > 10 && random.Next(8) == 0)
            {
                // A duplicate of an earlier row's key and times: only row_id can break the tie (sometimes the same values too).
                var of = Readings[random.Next(Readings.Count)];
                Readings.Add(random.Next(4) == 0 ? of with { RowId = i } : of with { RowId = i, Temperature = Temperature(), Humidity = Humidity() });
                continue;
            }
            long? warehouse = random.Next(100) == 0 ? null : random.Next(1, 21);
            DateTime? at = random.Next(200) == 0 ? null : Base.AddMinutes(15 * random.Next(0, 288));
            DateTime? created = random.Next(4) == 0 || at is null ? null : at.Value + delays[random.Next(delays.Length)];
            Readings.Add(new Reading(i, warehouse, at, created, Temperature(), Humidity()));
        }
        for (var i = 0; i < entities; i++)
        {
            if (Entities.Count > 0 && random.Next(20) == 0) { Entities.Add(Entities[random.Next(Entities.Count)]); continue; }
            long? warehouse = random.Next(100) == 0 ? null : random.Next(0, 22);
            var at = Base.AddMinutes(15 * random.Next(-8, 300)).AddSeconds(random.Next(3) == 0 ? random.Next(1, 900) : 0);
            if (random.Next(4) == 0 && Readings[random.Next(Readings.Count)] is { Event: { } e, Warehouse: var w } row)
            {
                // The edges: exactly TTL old, a second past it, exactly when a late row became known, a second before.
                warehouse = w;
                at = random.Next(4) switch
                {
                    0 => e + Ttl,
                    1 => e + Ttl + TimeSpan.FromSeconds(1),
                    2 => row.Created ?? e,
                    _ => (row.Created ?? e) - TimeSpan.FromSeconds(1),
                };
            }
            Entities.Add(new EntityRow(warehouse, at, random.Next(2)));
        }
    }

    public string ReadingsCsv()
    {
        var text = new StringBuilder("row_id,warehouse_id,read_at,loaded_at,temperature,humidity\n");
        foreach (var r in Readings)
            text.Append(CultureInfo.InvariantCulture, $"{r.RowId},{r.Warehouse},{Time(r.Event)},{Time(r.Created)},{Number(r.Temperature)},{Number(r.Humidity)}\n");
        return text.ToString();
    }

    /// <summary>The winning reading for a warehouse at <paramref name="at"/>: known then, latest by event, then created (or event) time, then row_id.</summary>
    public Reading? Winner(long? warehouse, DateTime at, bool useCreated)
    {
        Reading? best = null;
        foreach (var r in Readings)
        {
            if (warehouse is null || r.Warehouse != warehouse || r.Event is not { } e) continue;
            var known = useCreated ? r.Created ?? e : e;
            if (e > at || known > at) continue;
            if (best is null) { best = r; continue; }
            var bestKnown = useCreated ? best.Created ?? best.Event!.Value : best.Event!.Value;
            if (e > best.Event || (e == best.Event && (known > bestKnown || (known == bestKnown && r.RowId > best.RowId)))) best = r;
        }
        return best;
    }

    /// <summary>The winner when within the TTL (event ≥ at − TTL), else null.</summary>
    public Reading? Live(long? warehouse, DateTime at) =>
        Winner(warehouse, at, useCreated: true) is { } w && w.Event >= at - Ttl ? w : null;

    /// <summary>
    /// A windowed aggregate at <paramref name="at"/>: over the warehouse's readings known then (event and created time
    /// ≤ at) whose event is in (at − window, at], every duplicate counted; nulls skipped as SQL skips them. Count over
    /// an empty window is 0, the others null. Also the newest event in the window.
    /// </summary>
    public (double? Value, DateTime? Newest) Window(long? warehouse, DateTime at, TimeSpan window, string function, Func<Reading, double?> value)
    {
        var values = new List<double>();
        long rows = 0;
        DateTime? newest = null;
        foreach (var r in Readings)
        {
            if (warehouse is null || r.Warehouse != warehouse || r.Event is not { } e) continue;
            if (e > at || (r.Created ?? e) > at || e <= at - window) continue;
            rows++;
            if (newest is null || e > newest) newest = e;
            if (value(r) is { } v) values.Add(v);
        }
        double? answer = function switch
        {
            "count_rows" => rows,
            "count" => values.Count,
            "sum" => values.Count == 0 ? null : values.Sum(),
            "avg" => values.Count == 0 ? null : values.Average(),
            "min" => values.Count == 0 ? null : values.Min(),
            "max" => values.Count == 0 ? null : values.Max(),
            _ => throw new ArgumentException(function, nameof(function)),
        };
        return (answer, newest);
    }

    /// <summary>The windowed features of view climate_windows, as the YAML below defines them, by the brute force.</summary>
    public IEnumerable<(string Name, double? Value, DateTime? Newest)> Windows(long? warehouse, DateTime at)
    {
        (string Name, TimeSpan Window, string Function, Func<Reading, double?> Value)[] features =
        [
            ("humidity_avg_3h", TimeSpan.FromHours(3), "avg", r => r.Humidity),
            ("readings_3h", TimeSpan.FromHours(3), "count_rows", _ => 1),
            ("temp_count_1h", TimeSpan.FromHours(1), "count", r => r.Temperature),
            ("temp_max_1h", TimeSpan.FromHours(1), "max", r => r.Temperature),
            ("temp_min_24h", TimeSpan.FromHours(24), "min", r => r.Temperature),
            ("temp_sum_45m", TimeSpan.FromMinutes(45), "sum", r => r.Temperature),
            ("humidity_pct_avg_2h", TimeSpan.FromHours(2), "avg", r => r.Humidity * 100),
        ];
        foreach (var (name, window, function, value) in features)
        {
            var (answer, newest) = Window(warehouse, at, window, function, value);
            yield return (name, answer, newest);
        }
    }

    public static string Time(DateTime? t) => t?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";
    public static string Iso(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    private static string Number(double? d) => d?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    public const string DatasetYaml = """
        name: readings
        domain: factory
        source: files
        table: readings.csv
        materialization: table
        primary_key: [row_id]
        columns:
          - { name: row_id, type: integer }
          - { name: warehouse_id, type: integer }
          - { name: read_at, type: timestamp }
          - { name: loaded_at, type: timestamp }
          - { name: temperature, type: double }
          - { name: humidity, type: double }
        """;

    public const string FeaturesYaml = """
        feature_views:
          - name: climate
            dataset: readings
            entities: [warehouse_id]
            event_timestamp: read_at
            created_timestamp: loaded_at
            ttl: 6h
            features:
              - temperature
              - { name: humidity_pct, sql: "humidity * 100", type: double }
          - name: climate_raw
            dataset: readings
            entities: [warehouse_id]
            event_timestamp: read_at
            features:
              - { name: temp_any, column: temperature }
          - name: climate_windows
            dataset: readings
            entities: [warehouse_id]
            event_timestamp: read_at
            created_timestamp: loaded_at
            ttl: 6h
            features:
              - { name: humidity_avg_3h, aggregate: avg, column: humidity, window: 3h }
              - { name: readings_3h, aggregate: count, window: 3h }
              - { name: temp_count_1h, aggregate: count, column: temperature, window: 1h }
              - { name: temp_max_1h, aggregate: max, column: temperature, window: 1h }
              - { name: temp_min_24h, aggregate: min, column: temperature, window: 24h }
              - { name: temp_sum_45m, aggregate: sum, column: temperature, window: 45m }
              - { name: humidity_pct_avg_2h, aggregate: mean, sql: "humidity * 100", type: double, window: 2h }
              - { name: temp_now, column: temperature }
        feature_services:
          - name: training
            features: [climate.temperature, climate.humidity_pct, climate_raw.temp_any]
          - name: windowed
            features: [climate_windows.*]
          - name: everything
            features: [climate.temperature, climate.humidity_pct, climate_raw.temp_any, climate_windows.*]
        """;
}
