using System.Globalization;
using Ladle.Core.Model;
using Ladle.Core.Semantic;

namespace Ladle.Core.Sql;

/// <summary>DuckDB: the embedded store (and DuckDB files, files it reads), with the built-in ICU extension for time zones.</summary>
internal sealed class DuckDbDialect : SqlDialect
{
    public override string Name => "duckdb";

    public override string Placeholder(int index) => "$" + ParameterName(index);

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

    // DuckDB sorts nulls last in both directions by default (default_null_order), which is the order every engine follows.
    public override string OrderKey(string expression, bool descending) => expression + (descending ? " DESC" : " ASC");

    protected override string Sha256Hex(string text) => $"sha256({text})";

    public override string RegexFullMatch(string expression, string pattern) => $"regexp_full_match(CAST({expression} AS VARCHAR), {pattern})";

    // A TIMESTAMP read as UTC becomes a TIMESTAMPTZ; timezone() gives its wall-clock time in the zone.
    public override string LocalTime(string utcTimestamp, TimeZoneInfo zone) =>
        $"timezone('{TimeZones.IdOf(zone)}', CAST({utcTimestamp} AS TIMESTAMP) AT TIME ZONE 'UTC')";

    public override string Series(string bounds, string first, string last, TimeGrain grain, LadleType bucketType) =>
        $"SELECT {Cast($"unnest(generate_series(CAST({first} AS TIMESTAMP), CAST({last} AS TIMESTAMP), {Interval(new Period(1, grain))}))", bucketType)} AS \"t\" FROM {bounds}";

    protected override string Percentile(string value, double fraction, string filter) =>
        $"CAST(quantile_cont({value}, {fraction.ToString("R", CultureInfo.InvariantCulture)}){filter} AS DOUBLE)";
}
