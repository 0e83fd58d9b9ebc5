using System.Globalization;
using Ladle.Core.Model;
using Ladle.Core.Semantic;

namespace Ladle.Core.Sql;

// Time bucketing for metric queries: buckets in a zone, intervals, date series.
public abstract partial class SqlDialect
{
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
}
