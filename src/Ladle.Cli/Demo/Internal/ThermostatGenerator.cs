using DuckDB.NET.Data;

namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// The smart-thermostat half of the energy demo: homes, devices and four weeks of hourly readings
/// from a small heat-balance model, so energy follows the weather, the home and its schedule.
/// </summary>
internal static class ThermostatGenerator
{
    private sealed record City(string Name, string Country, double OctoberMeanC, double Weight);

    private static readonly City[] Cities =
    [
        new("Oslo", "NO", 5.5, 1), new("Stockholm", "SE", 6.5, 1), new("Warsaw", "PL", 8, 1.2),
        new("Berlin", "DE", 9.5, 2), new("Amsterdam", "NL", 10.5, 1.5), new("London", "GB", 11, 2.5),
        new("Paris", "FR", 12, 2), new("Dublin", "IE", 10, 1), new("Madrid", "ES", 14.5, 1.2), new("Lisbon", "PT", 17, 0.8),
    ];

    private static readonly string[] Heating = ["gas_boiler", "heat_pump", "electric"];
    private static readonly string[] Zones = ["living", "sleeping", "upstairs", "annex"];

    public static void Generate(DemoOutput output, DemoSizes sizes, int seed, CancellationToken ct)
    {
        var households = GenerateHouseholds(sizes.Households, new Random(seed + 11));
        var devices = GenerateDevices(households, new Random(seed + 12));
        var weather = GenerateWeather(new Random(seed + 13));

        using var duck = new ScratchDuckDb();
        duck.Execute("""
            CREATE TABLE households (
                household_id INTEGER, city VARCHAR, country VARCHAR, floor_area_m2 DOUBLE, occupants INTEGER,
                heating VARCHAR, enrolled_at TIMESTAMP)
            """);
        using (var appender = duck.CreateAppender("households"))
        {
            foreach (var h in households)
            {
                appender.CreateRow()
                    .AppendValue(h.Id).AppendValue(Cities[h.City].Name).AppendValue(Cities[h.City].Country)
                    .AppendValue(h.FloorAreaM2).AppendValue(h.Occupants).AppendValue(h.Heating).AppendValue(h.EnrolledAt)
                    .EndRow();
            }
        }
        duck.CopyToCsv("SELECT * FROM households ORDER BY household_id", output.PathFor(DemoPaths.Households));
        output.Report("households", DemoPaths.Households, households.Length);

        duck.Execute("""
            CREATE TABLE devices (
                device_id VARCHAR, household_id INTEGER, zone VARCHAR, model VARCHAR, firmware VARCHAR, installed_at TIMESTAMP)
            """);
        using (var appender = duck.CreateAppender("devices"))
        {
            foreach (var d in devices)
            {
                appender.CreateRow()
                    .AppendValue(d.Id).AppendValue(d.Household.Id).AppendValue(d.Zone).AppendValue(d.Model)
                    .AppendValue(d.Firmware).AppendValue(d.InstalledAt)
                    .EndRow();
            }
        }
        duck.CopyToCsv("SELECT * FROM devices ORDER BY household_id, device_id", output.PathFor(DemoPaths.Devices));
        output.Report("thermostat_devices", DemoPaths.Devices, devices.Length);

        duck.Execute("""
            CREATE TABLE readings (
                device_id VARCHAR, household_id INTEGER, reading_at TIMESTAMP, kwh DOUBLE, indoor_temp_c DOUBLE,
                outdoor_temp_c DOUBLE, setpoint_c DOUBLE)
            """);
        var noise = new Random(seed + 14);
        using (var appender = duck.CreateAppender("readings"))
        {
            foreach (var device in devices)
            {
                ct.ThrowIfCancellationRequested();
                AppendReadings(appender, device, weather[device.Household.City], noise);
            }
        }

        var start = DemoCalendar.Anchor.AddDays(-DemoCalendar.ReadingDays);
        for (var day = 0; day < DemoCalendar.ReadingDays; day++)
        {
            ct.ThrowIfCancellationRequested();
            var from = start.AddDays(day);
            // A day's file holds the hours that start on that day, so its last reading is at midnight.
            duck.CopyToCsv($"""
                SELECT * FROM readings
                WHERE reading_at > TIMESTAMP '{from:yyyy-MM-dd HH:mm:ss}' AND reading_at <= TIMESTAMP '{from.AddDays(1):yyyy-MM-dd HH:mm:ss}'
                ORDER BY reading_at, device_id
                """, output.PathFor(DemoPaths.ReadingsFile(DateOnly.FromDateTime(from))));
        }
        output.Report("thermostat_readings", DemoPaths.ReadingsGlob, (long)devices.Length * DemoSizes.ReadingsPerDevice);
    }

    private static Household[] GenerateHouseholds(int count, Random random)
    {
        var cityPicker = new WeightedPicker(Cities.Select(c => c.Weight).ToArray());
        var occupants = new WeightedPicker([0.28, 0.34, 0.16, 0.15, 0.07]);
        var heating = new WeightedPicker([0.5, 0.3, 0.2]);
        var firstEnrolment = new DateTime(2023, 1, 1);
        var lastEnrolment = DemoCalendar.Anchor.AddDays(-DemoCalendar.ReadingDays - 14);
        var result = new Household[count];
        for (var i = 0; i < count; i++)
        {
            var enrolled = firstEnrolment.AddDays(random.Uniform(0, (lastEnrolment - firstEnrolment).TotalDays));
            result[i] = new Household(
                1001 + i,
                cityPicker.Next(random),
                Math.Round(Math.Clamp(random.LogNormal(95, 0.35), 35, 400), 1),
                occupants.Next(random) + 1,
                Heating[heating.Next(random)],
                DemoCalendar.Seconds(enrolled),
                Math.Round(random.Uniform(19.5, 22.5) * 2) / 2,
                Math.Round(random.Uniform(15.5, 18) * 2) / 2,
                random.Chance(0.5));
        }
        return result;
    }

    private static Thermostat[] GenerateDevices(Household[] households, Random random)
    {
        var zones = new WeightedPicker([0.72, 0.22, 0.06]);
        var models = new WeightedPicker([0.4, 0.45, 0.15]);
        string[] modelNames = ["HT-200", "HT-300", "HT-300S"];
        var firmware = new WeightedPicker([0.6, 0.25, 0.15]);
        string[] firmwareNames = ["4.2.1", "4.1.7", "3.9.4"];
        var hours = DemoSizes.ReadingsPerDevice;
        var result = new List<Thermostat>();
        foreach (var household in households)
        {
            var count = zones.Next(random) + 1;
            for (var z = 0; z < count; z++)
            {
                var index = result.Count;
                // A multiplier coprime to 900000 scatters serial numbers without ever repeating one.
                var serial = (index * 7919L + 104729) % 900000 + 100000;
                var faulty = random.Chance(0.015);
                result.Add(new Thermostat(
                    $"TS-{serial}",
                    household,
                    Zones[z],
                    count,
                    modelNames[models.Next(random)],
                    firmwareNames[firmware.Next(random)],
                    DemoCalendar.Seconds(household.EnrolledAt.AddDays(random.Uniform(0, 10))),
                    faulty ? random.Next(0, hours - 24) : -1,
                    faulty ? random.Next(24, 61) : 0));
            }
        }
        return result.ToArray();
    }

    /// <summary>Outdoor temperature per city and hour (index 0 is the hour before the first reading).</summary>
    private static double[][] GenerateWeather(Random random)
    {
        var hours = DemoSizes.ReadingsPerDevice + 1;
        var result = new double[Cities.Length][];
        for (var c = 0; c < Cities.Length; c++)
        {
            var series = new double[hours];
            var front = random.Normal(0, 2);
            for (var h = 0; h < hours; h++)
            {
                // Weather fronts drift over days; autumn cools by about a degree a week; afternoons are warmest.
                front = 0.97 * front + random.Normal(0, 0.35);
                var hourOfDay = h % 24;
                series[h] = Cities[c].OctoberMeanC - 0.14 * h / 24 + 3.5 * Math.Sin(2 * Math.PI * (hourOfDay - 9) / 24) + front;
            }
            result[c] = series;
        }
        return result;
    }

    private static void AppendReadings(DuckDBAppender appender, Thermostat device, double[] weather, Random random)
    {
        var home = device.Household;
        var area = home.FloorAreaM2 / device.Zones;
        var heatLoss = area * 0.0014;     // kW per kelvin between inside and out
        var capacity = area * 0.06;       // kWh to warm the zone by one kelvin
        var maxPower = heatLoss * 30;
        var gains = 0.08 * home.Occupants / device.Zones;
        var start = DemoCalendar.Anchor.AddDays(-DemoCalendar.ReadingDays);
        var indoor = home.ComfortC - 0.5;
        for (var h = 0; h < DemoSizes.ReadingsPerDevice; h++)
        {
            var hourStart = start.AddHours(h);
            var setpoint = Setpoint(home, device.Zone, hourStart);
            var outdoor = weather[h + 1];
            var faulty = device.FaultFromHour >= 0 && h >= device.FaultFromHour && h < device.FaultFromHour + device.FaultHours;
            var needed = capacity * (setpoint - indoor) + heatLoss * (indoor - outdoor) - gains;
            var heat = faulty ? maxPower * 0.6 : Math.Clamp(needed, 0, maxPower);
            indoor += (heat + gains - heatLoss * (indoor - outdoor)) / capacity;
            var efficiency = home.Heating switch
            {
                "heat_pump" => Math.Max(1.8, 3.0 + 0.06 * outdoor),
                "gas_boiler" => 0.9,
                _ => 1.0,
            };
            appender.CreateRow()
                .AppendValue(device.Id)
                .AppendValue(home.Id)
                .AppendValue(hourStart.AddHours(1))
                .AppendValue(Math.Round(heat / efficiency + 0.002, 3))
                .AppendValue(Math.Round(indoor + random.Normal(0, 0.1), 1))
                .AppendValue(Math.Round(outdoor, 1))
                .AppendValue(setpoint)
                .EndRow();
        }
    }

    /// <summary>Comfort while people are up and home, a setback at night and, for some homes, during working hours.</summary>
    private static double Setpoint(Household home, string zone, DateTime at)
    {
        var hour = at.Hour;
        var weekday = at.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
        if (hour < 6 || hour >= 23) return home.NightC;
        if (home.AwayOnWeekdays && weekday && hour is >= 9 and < 17) return home.NightC + 1;
        // Bedrooms are kept a little cooler in the day.
        return zone == "sleeping" ? home.ComfortC - 1 : home.ComfortC;
    }
}
