using System.Globalization;
using Ladle.Core.Model;
using Ladle.Core.Semantic;

namespace Ladle.Core.Sql;

/// <summary>
/// SQLite, for live datasets in a SQLite file. SHA-256 and regular expressions come from functions the connector
/// registers. It keeps timestamps as text and knows no zones, so metric buckets are cut in UTC only; date series
/// and percentiles are refused with a way out.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    public override string Name => "sqlite";

    public override string Placeholder(int index) => "$" + ParameterName(index);

    public override string TypeName(LadleType type) => type switch
    {
        LadleType.Integer or LadleType.Boolean => "INTEGER",
        LadleType.Double => "REAL",
        LadleType.Decimal => "NUMERIC",
        _ => "TEXT",
    };

    // Registered by the connector: the same hex as DuckDB's and PostgreSQL's, so a hashed key joins across sources.
    protected override string Sha256Hex(string text) => $"{SqliteSha256Hex}({text})";

    protected override string Position(string text, string needle) => $"instr({text}, {needle})";

    protected override string Prefix(string text, int length) => $"substr({text}, 1, {length.ToString(CultureInfo.InvariantCulture)})";

    public override string RegexFullMatch(string expression, string pattern) => $"{SqliteRegexFullMatch}(CAST({expression} AS TEXT), {pattern})";

    public override string LocalTime(string utcTimestamp, TimeZoneInfo zone) =>
        zone == TimeZoneInfo.Utc ? utcTimestamp : throw Unsupported($"bucketing in zone {zone.Id}");

    public override string Truncate(TimeGrain grain, string expression) => grain switch
    {
        TimeGrain.Hour => $"strftime('%Y-%m-%d %H:00:00', {expression})",
        TimeGrain.Day => $"date({expression})",
        TimeGrain.Week => $"date({expression}, '-' || ((CAST(strftime('%w', {expression}) AS INTEGER) + 6) % 7) || ' days')",
        TimeGrain.Month => $"strftime('%Y-%m-01', {expression})",
        TimeGrain.Quarter => $"printf('%s-%02d-01', strftime('%Y', {expression}), ((CAST(strftime('%m', {expression}) AS INTEGER) - 1) / 3) * 3 + 1)",
        _ => $"strftime('%Y-01-01', {expression})",
    };

    public override string TimestampBucket(TimeGrain grain, string utcTimestamp, TimeZoneInfo zone)
    {
        _ = LocalTime(utcTimestamp, zone);
        return Truncate(grain, utcTimestamp);
    }

    public override string DateBucket(TimeGrain grain, string date) => Truncate(grain, date);

    public override string ShiftBack(string bucket, Period period, LadleType bucketType)
    {
        var (count, unit) = period.Unit switch
        {
            TimeGrain.Week => (period.Count * 7, "days"),
            TimeGrain.Quarter => (period.Count * 3, "months"),
            _ => (period.Count, period.Unit.Name() + "s"),
        };
        var shifted = $"datetime({bucket}, '-{count.ToString(CultureInfo.InvariantCulture)} {unit}')";
        return bucketType == LadleType.Date ? $"date({shifted})" : shifted;
    }

    public override string Series(string bounds, string first, string last, TimeGrain grain, LadleType bucketType) =>
        throw Unsupported("filling periods and cumulative metrics");

    protected override string Percentile(string value, double fraction, string filter) => throw Unsupported("median and percentile");

    public override string AnyValue(string expression) => $"min({expression})";

    public override string NotDistinct(string left, string right) => $"{left} IS {right}";
}
