namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// The garment factory: a quarter of 15-minute climate readings from the warehouses, and fabric
/// batches whose defects follow the humidity they were stored in — the signal a quality model should learn.
/// </summary>
internal static class FactoryGenerator
{
    private static readonly Warehouse[] Warehouses =
    [
        new("riverside", "RIV", 19, 68, 3, 0.4),
        new("central", "CEN", 20, 60, 1, 0.35),
        new("hilltop", "HIL", 18, 54, 1, 0.25),
    ];

    private sealed record Fabric(string Name, double Share, bool Natural, double Shrinkage, double ColourBleed, string[] Suppliers);

    private static readonly Fabric[] Fabrics =
    [
        new("cotton", 0.30, true, 0.015, 0.006, ["Minho Textiles", "Gujarat Cotton Mills"]),
        new("polyester", 0.20, false, 0.004, 0.006, ["Suzhou Synthetics"]),
        new("denim", 0.15, true, 0.010, 0.025, ["Anatolia Denim", "Gujarat Cotton Mills"]),
        new("linen", 0.12, true, 0.015, 0.006, ["Flanders Linen", "Minho Textiles"]),
        new("wool", 0.13, true, 0.030, 0.006, ["Biella Wool Co"]),
        new("silk", 0.10, true, 0.004, 0.030, ["Hangzhou Silk House"]),
    ];

    /// <summary>The supplier with a worn loom: more weave faults than anyone else.</summary>
    private const string WornLoomSupplier = "Suzhou Synthetics";

    private static readonly TimeSpan Slot = TimeSpan.FromMinutes(15);

    /// <param name="end">When the readings end (exclusive; rounded up to a slot); null: the demo's anchor.</param>
    public static void Generate(DemoOutput output, DemoSizes sizes, int seed, DateTime? end, CancellationToken ct)
    {
        var slots = DemoSizes.ReadingsPerSensor;
        var start = End(end).AddDays(-DemoCalendar.FactoryDays);
        var (temperature, humidity) = GenerateClimate(slots, new Random(seed + 21));

        using var duck = new ScratchDuckDb();
        duck.Execute("""
            CREATE TABLE climate (sensor_id VARCHAR, warehouse VARCHAR, reading_at TIMESTAMP, temperature_c DOUBLE, humidity_pct DOUBLE)
            """);
        var random = new Random(seed + 22);
        var sensorsPerWarehouse = sizes.Sensors / Warehouses.Length;
        var sensors = 0;
        using (var appender = duck.CreateAppender("climate"))
        {
            for (var w = 0; w < Warehouses.Length; w++)
            {
                for (var s = 1; s <= sensorsPerWarehouse; s++)
                {
                    ct.ThrowIfCancellationRequested();
                    sensors++;
                    var id = $"{Warehouses[w].SensorPrefix}-{s:D2}";
                    // Every sensor is a little off, consistently: calibration error, not noise.
                    var temperatureOffset = random.Normal(0, 0.3);
                    var humidityOffset = random.Normal(0, 1.2);
                    for (var t = 0; t < slots; t++)
                    {
                        appender.CreateRow()
                            .AppendValue(id)
                            .AppendValue(Warehouses[w].Name)
                            .AppendValue(start + Slot * t)
                            .AppendValue(Math.Round(temperature[w][t] + temperatureOffset + random.Normal(0, 0.15), 1))
                            .AppendValue(Math.Round(Math.Clamp(humidity[w][t] + humidityOffset + random.Normal(0, 0.4), 0, 100), 1))
                            .EndRow();
                    }
                }
            }
        }
        duck.CopyToParquet("SELECT * FROM climate ORDER BY reading_at, sensor_id", output.PathFor(DemoPaths.WarehouseClimate));
        output.Report("warehouse_climate", DemoPaths.WarehouseClimate, (long)sensors * slots);

        ct.ThrowIfCancellationRequested();
        var batches = GenerateBatches(sizes.FabricBatches, start, temperature, humidity, new Random(seed + 23));
        duck.Execute("""
            CREATE TABLE batches (
                batch_id VARCHAR, warehouse VARCHAR, supplier VARCHAR, fabric VARCHAR, meters DOUBLE,
                received_at TIMESTAMP, inspected_at TIMESTAMP, defect BOOLEAN, defect_type VARCHAR)
            """);
        using (var appender = duck.CreateAppender("batches"))
        {
            foreach (var b in batches)
            {
                var row = appender.CreateRow()
                    .AppendValue(b.BatchId).AppendValue(b.Warehouse).AppendValue(b.Supplier).AppendValue(b.Fabric)
                    .AppendValue(b.Meters).AppendValue(b.ReceivedAt).AppendValue(b.InspectedAt).AppendValue(b.DefectType is not null);
                (b.DefectType is null ? row.AppendNullValue() : row.AppendValue(b.DefectType)).EndRow();
            }
        }
        duck.CopyToCsv("SELECT * FROM batches ORDER BY batch_id", output.PathFor(DemoPaths.FabricBatches));
        output.Report("fabric_batches", DemoPaths.FabricBatches, batches.Count);
    }

    /// <summary>True temperature and humidity per warehouse and 15-minute slot, before any sensor error.</summary>
    private static (double[][] Temperature, double[][] Humidity) GenerateClimate(int slots, Random random)
    {
        // Regional weather is shared by all warehouses; each adds its own building and its own failures.
        var outdoor = new double[slots];
        var damp = new double[slots];
        double front = 0, wet = 0;
        for (var t = 0; t < slots; t++)
        {
            var hour = t / 4.0;
            front = 0.995 * front + random.Normal(0, 0.12);
            wet = 0.996 * wet + random.Normal(0, 0.35);
            // Late summer into autumn: cooling by about 8 degrees over the quarter.
            outdoor[t] = 24 - 8.0 * t / slots + 5 * Math.Sin(2 * Math.PI * (hour % 24 - 9) / 24) + front;
            damp[t] = wet + 3 * Math.Cos(2 * Math.PI * (hour % 24 - 4) / 24);
        }

        var temperature = new double[Warehouses.Length][];
        var humidity = new double[Warehouses.Length][];
        for (var w = 0; w < Warehouses.Length; w++)
        {
            var warehouse = Warehouses[w];
            var failure = new double[slots];
            for (var f = 0; f < warehouse.HvacFailures; f++)
            {
                // A dehumidifier failure: humidity climbs over a few hours, stays up for one to three days, then recovers.
                var from = random.Next(0, slots - 4 * 24 * 3);
                var length = random.Next(4 * 24, 4 * 72);
                var height = random.Uniform(14, 20);
                for (var t = from; t < Math.Min(slots, from + length + 24); t++)
                {
                    var ramp = Math.Min(1, (t - from) / 24.0) * Math.Min(1, (from + length + 24 - t) / 24.0);
                    failure[t] = Math.Max(failure[t], height * ramp);
                }
            }
            temperature[w] = new double[slots];
            humidity[w] = new double[slots];
            double drift = 0;
            for (var t = 0; t < slots; t++)
            {
                drift = 0.98 * drift + random.Normal(0, 0.1);
                temperature[w][t] = 0.35 * outdoor[t] + 0.65 * warehouse.BaseTemperatureC + drift;
                humidity[w][t] = Math.Clamp(warehouse.BaseHumidityPct + 0.6 * damp[t] + failure[t] + 2 * drift, 25, 98);
            }
        }
        return (temperature, humidity);
    }

    /// <summary>The end of the readings: the anchor, or <paramref name="end"/> rounded up to a whole slot, so the last reading is not after it.</summary>
    private static DateTime End(DateTime? end)
    {
        if (end is not { } at) return DemoCalendar.Anchor;
        var ticks = DateTime.SpecifyKind(at, DateTimeKind.Unspecified).Ticks;
        var rounded = ticks % Slot.Ticks == 0 ? ticks : ticks - ticks % Slot.Ticks + Slot.Ticks;
        return new DateTime(rounded, DateTimeKind.Unspecified);
    }

    private static List<FabricBatch> GenerateBatches(int count, DateTime start, double[][] temperature, double[][] humidity, Random random)
    {
        // Deliveries arrive on working days after the first two days, and all are inspected before the anchor.
        var firstDay = 2;
        var lastDay = DemoCalendar.FactoryDays - 6;
        var dayPicker = new WeightedPicker(Enumerable.Range(firstDay, lastDay - firstDay)
            .Select(d => start.AddDays(d).DayOfWeek switch { DayOfWeek.Sunday => 0.15, DayOfWeek.Saturday => 0.5, _ => 1.0 })
            .ToArray());
        var warehousePicker = new WeightedPicker(Warehouses.Select(w => w.BatchShare).ToArray());
        var fabricPicker = new WeightedPicker(Fabrics.Select(f => f.Share).ToArray());

        var received = new DateTime[count];
        for (var i = 0; i < count; i++)
        {
            var day = start.AddDays(firstDay + dayPicker.Next(random));
            received[i] = day.AddHours(6).AddMinutes(random.Next(14 * 60));
        }
        Array.Sort(received);

        var result = new List<FabricBatch>(count);
        for (var i = 0; i < count; i++)
        {
            var w = warehousePicker.Next(random);
            var fabric = Fabrics[fabricPicker.Next(random)];
            var supplier = random.Pick(fabric.Suppliers);
            var inspected = received[i].AddMinutes(random.Next(6 * 60, 120 * 60));
            var from = (int)((received[i] - start) / Slot);
            var to = (int)((inspected - start) / Slot);
            double meanHumidity = 0, meanTemperature = 0;
            for (var t = from; t <= to; t++)
            {
                meanHumidity += humidity[w][t];
                meanTemperature += temperature[w][t];
            }
            meanHumidity /= to - from + 1;
            meanTemperature /= to - from + 1;
            var storedHours = (inspected - received[i]).TotalHours;

            var mildew = fabric.Natural
                ? 0.004 + 0.55 / (1 + Math.Exp(-(meanHumidity - 72) / 2.5)) * Math.Min(1, storedHours / 36)
                : 0.002;
            var shrinkage = fabric.Shrinkage + (meanTemperature > 24 ? 0.02 : 0);
            var bleed = fabric.ColourBleed + (meanHumidity > 75 ? 0.01 : 0);
            var weave = supplier == WornLoomSupplier ? 0.03 : 0.012;
            string? defect = random.Chance(mildew) ? "mildew"
                : random.Chance(shrinkage) ? "shrinkage"
                : random.Chance(bleed) ? "colour_bleed"
                : random.Chance(weave) ? "weave_fault"
                : null;
            result.Add(new FabricBatch($"FB-{i + 1:D6}", Warehouses[w].Name, supplier, fabric.Name,
                Math.Round(Math.Clamp(random.LogNormal(180, 0.35), 20, 900), 1), received[i], inspected, defect));
        }
        return result;
    }
}
