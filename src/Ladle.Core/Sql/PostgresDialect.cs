using System.Globalization;
using Ladle.Core.Model;
using Ladle.Core.Semantic;

namespace Ladle.Core.Sql;

/// <summary>PostgreSQL, for live datasets whose rows queries and metric queries are pushed down whole.</summary>
internal sealed class PostgresDialect : SqlDialect
{
    public override string Name => "postgres";

    public override string Placeholder(int index) => "$" + (index + 1).ToString(CultureInfo.InvariantCulture);

    // Npgsql binds positional parameters, which have no name.
    public override string ParameterName(int index) => "";

    public override string TypeName(LadleType type) => type switch
    {
        LadleType.String => "text",
        LadleType.Integer => "bigint",
        LadleType.Double => "double precision",
        LadleType.Decimal => "numeric",
        LadleType.Boolean => "boolean",
        LadleType.Date => "date",
        LadleType.Timestamp => "timestamp",
        _ => "text",
    };

    protected override string Sha256Hex(string text) => $"encode(sha256(convert_to({text}, 'UTF8')), 'hex')";

    public override string RegexFullMatch(string expression, string pattern) => $"CAST({expression} AS text) ~ ('^(?:' || {pattern} || ')$')";

    // Ladle's connection runs in UTC, so a timestamptz column casts to its UTC wall-clock time first.
    public override string LocalTime(string utcTimestamp, TimeZoneInfo zone) =>
        $"((CAST({utcTimestamp} AS timestamp) AT TIME ZONE 'UTC') AT TIME ZONE '{TimeZones.IdOf(zone)}')";

    public override string Series(string bounds, string first, string last, TimeGrain grain, LadleType bucketType) =>
        $"SELECT {Cast("g.x", bucketType)} AS \"t\" FROM {bounds} CROSS JOIN LATERAL generate_series(CAST({first} AS timestamp), CAST({last} AS timestamp), {Interval(new Period(1, grain))}) AS g(x)";

    protected override string Percentile(string value, double fraction, string filter) =>
        $"CAST(percentile_cont({fraction.ToString("R", CultureInfo.InvariantCulture)}) WITHIN GROUP (ORDER BY {value}){filter} AS double precision)";

    // PostgreSQL 15 has no any_value; the first of an array works for every type.
    public override string AnyValue(string expression) => $"(array_agg({expression}))[1]";
}
