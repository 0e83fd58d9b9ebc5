using System.Globalization;
using Ladle.Core.Errors;
using Ladle.Core.Model;

namespace Ladle.Core.Semantic.Sql;

/// <summary>
/// What differs between engines when a metric query is compiled: time bucketing in a zone, intervals, percentiles,
/// date series. Another engine is one more subclass; the compiler is the same for all.
/// </summary>
public abstract class MetricDialect
{
    /// <summary>The engine's name, as in explain output (duckdb, postgres, sqlite).</summary>
    public abstract string Name { get; }

    /// <summary>The placeholder of parameter <paramref name="index"/> (0-based), as the engine's connector binds it.</summary>
    public abstract string Placeholder(int index);

    public virtual string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The engine's type name for CAST.</summary>
    public abstract string TypeName(LadleType type);

    public string Cast(string expression, LadleType type) => $"CAST({expression} AS {TypeName(type)})";

    /// <summary>
    /// The wall-clock time in <paramref name="zone"/> of a timestamp that holds UTC (every Ladle timestamp does),
    /// as a timestamp without zone.
    /// </summary>
    public abstract string LocalTime(string utcTimestamp, TimeZoneInfo zone);

    /// <summary>The start of the <paramref name="grain"/> holding a timestamp or date, as the same type.</summary>
    public virtual string Truncate(TimeGrain grain, string expression) => $"date_trunc('{grain.Name()}', {expression})";

    /// <summary>
    /// The bucket of a UTC timestamp: for days and coarser, the calendar date in <paramref name="zone"/> the bucket
    /// starts on; for hours, the UTC instant the local hour starts at (so the two 02:00 hours of an autumn night stay two).
    /// </summary>
    public virtual string TimestampBucket(TimeGrain grain, string utcTimestamp, TimeZoneInfo zone)
    {
        var plain = Cast(utcTimestamp, LadleType.Timestamp);
        if (zone == TimeZoneInfo.Utc)
            return grain == TimeGrain.Hour ? Truncate(TimeGrain.Hour, plain) : Cast(Truncate(grain, plain), LadleType.Date);
        var local = LocalTime(utcTimestamp, zone);
        return grain == TimeGrain.Hour
            ? $"({plain} - ({local} - {Truncate(TimeGrain.Hour, local)}))"
            : Cast(Truncate(grain, local), LadleType.Date);
    }

    /// <summary>The bucket of a date: the date its <paramref name="grain"/> starts on.</summary>
    public virtual string DateBucket(TimeGrain grain, string date) =>
        grain == TimeGrain.Day ? Cast(date, LadleType.Date) : Cast(Truncate(grain, Cast(date, LadleType.Date)), LadleType.Date);

    /// <summary>An interval literal for a period.</summary>
    public virtual string Interval(Period period) =>
        $"INTERVAL '{(period.Unit == TimeGrain.Week ? period.Count * 7 : period.Unit == TimeGrain.Quarter ? period.Count * 3 : period.Count).ToString(CultureInfo.InvariantCulture)} " +
        $"{(period.Unit switch { TimeGrain.Week => "day", TimeGrain.Quarter => "month", _ => period.Unit.Name() })}'";

    /// <summary>A bucket moved back by a period, as the bucket's own type.</summary>
    public virtual string ShiftBack(string bucket, Period period, LadleType bucketType) => Cast($"{bucket} - {Interval(period)}", bucketType);

    /// <summary>
    /// A SELECT of one column <c>t</c>: every bucket from <paramref name="first"/> to <paramref name="last"/>
    /// (both included), read from the one-row relation <paramref name="bounds"/>.
    /// </summary>
    public abstract string Series(string bounds, string first, string last, TimeGrain grain, LadleType bucketType);

    /// <summary>An aggregate with an optional condition on the rows it takes.</summary>
    public virtual string Aggregate(Aggregation agg, string? value, double percentile, string? condition)
    {
        var filter = condition is null ? "" : $" FILTER (WHERE {condition})";
        return agg switch
        {
            Aggregation.Sum => $"sum({value}){filter}",
            Aggregation.Count => value is null ? $"count(*){filter}" : $"count({value}){filter}",
            Aggregation.CountDistinct => $"count(DISTINCT {value}){filter}",
            Aggregation.Avg => $"{Cast($"avg({value}){filter}", LadleType.Double)}",
            Aggregation.Min => $"min({value}){filter}",
            Aggregation.Max => $"max({value}){filter}",
            Aggregation.Median => Percentile(value!, 0.5, filter),
            Aggregation.Percentile => Percentile(value!, percentile, filter),
            _ => throw new ArgumentOutOfRangeException(nameof(agg)),
        };
    }

    /// <summary>The continuous percentile of a value (median is 0.5), as a double.</summary>
    protected abstract string Percentile(string value, double fraction, string filter);

    /// <summary>Any one value of a group (for the columns of a deduplicated dimension row).</summary>
    public virtual string AnyValue(string expression) => $"any_value({expression})";

    /// <summary>True when both are null or both equal: joining aggregates on dimensions that may be null.</summary>
    public virtual string NotDistinct(string left, string right) => $"{left} IS NOT DISTINCT FROM {right}";

    /// <summary>Refuses what the engine cannot do with a message naming the engine and a way out.</summary>
    protected InvalidRequestException Unsupported(string what) =>
        new($"{what} cannot run in {Name}; materialize the dataset (materialization: table) so metrics run in the embedded store");

    public static MetricDialect DuckDb { get; } = new DuckDbMetricDialect();
    public static MetricDialect Postgres { get; } = new PostgresMetricDialect();
    public static MetricDialect Sqlite { get; } = new SqliteMetricDialect();

    /// <summary>The dialect by engine name.</summary>
    public static MetricDialect? For(string name) => name switch
    {
        "duckdb" => DuckDb,
        "postgres" => Postgres,
        "sqlite" => Sqlite,
        _ => null,
    };
}
