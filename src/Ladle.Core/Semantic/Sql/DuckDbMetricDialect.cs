using System.Globalization;
using Ladle.Core.Model;

namespace Ladle.Core.Semantic.Sql;

/// <summary>DuckDB: the embedded store, with the built-in ICU extension for time zones.</summary>
internal sealed class DuckDbMetricDialect : MetricDialect
{
    public override string Name => "duckdb";

    public override string Placeholder(int index) => "$p" + (index + 1).ToString(CultureInfo.InvariantCulture);

    public override string TypeName(LadleType type) => type switch
    {
        LadleType.String => "VARCHAR",
        LadleType.Integer => "BIGINT",
        LadleType.Double => "DOUBLE",
        LadleType.Decimal => "DECIMAL(38,10)",
        LadleType.Boolean => "BOOLEAN",
        LadleType.Date => "DATE",
        LadleType.Timestamp => "TIMESTAMP",
        _ => "VARCHAR",
    };

    // A TIMESTAMP read as UTC becomes a TIMESTAMPTZ; timezone() gives its wall-clock time in the zone.
    public override string LocalTime(string utcTimestamp, TimeZoneInfo zone) =>
        $"timezone('{TimeZones.IdOf(zone)}', CAST({utcTimestamp} AS TIMESTAMP) AT TIME ZONE 'UTC')";

    public override string Series(string bounds, string first, string last, TimeGrain grain, LadleType bucketType) =>
        $"SELECT {Cast($"unnest(generate_series(CAST({first} AS TIMESTAMP), CAST({last} AS TIMESTAMP), {Interval(new Period(1, grain))}))", bucketType)} AS \"t\" FROM {bounds}";

    protected override string Percentile(string value, double fraction, string filter) =>
        $"CAST(quantile_cont({value}, {fraction.ToString("R", CultureInfo.InvariantCulture)}){filter} AS DOUBLE)";
}
