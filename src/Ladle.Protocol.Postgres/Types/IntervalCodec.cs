using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>
/// interval (OID 1186): text in IntervalStyle postgres (<c>1 year 2 mons -3 days +04:05:06.789</c>); binary Int64
/// microseconds, Int32 days, Int32 months.
/// </summary>
public static class IntervalCodec
{
    private const string Type = "interval";
    private const long MicrosPerSecond = 1_000_000;
    private const long MicrosPerMinute = 60 * MicrosPerSecond;
    private const long MicrosPerHour = 60 * MicrosPerMinute;
    private const long MicrosPerDay = 24 * MicrosPerHour;

    /// <summary>Writes the postgres IntervalStyle spelling, as PostgreSQL's EncodeInterval does.</summary>
    public static void WriteText(IBufferWriter<byte> writer, PgInterval value)
    {
        var builder = new StringBuilder(48);
        var isZero = true;
        var isBefore = false;
        AddPart(builder, value.Months / 12, "year", ref isZero, ref isBefore);
        AddPart(builder, value.Months % 12, "mon", ref isZero, ref isBefore);
        AddPart(builder, value.Days, "day", ref isZero, ref isBefore);
        var time = value.Microseconds;
        var hours = time / MicrosPerHour;
        time -= hours * MicrosPerHour;
        var minutes = time / MicrosPerMinute;
        time -= minutes * MicrosPerMinute;
        var seconds = time / MicrosPerSecond;
        var fraction = time - (seconds * MicrosPerSecond);
        if (isZero || value.Microseconds != 0)
        {
            var minus = hours < 0 || minutes < 0 || seconds < 0 || fraction < 0;
            builder.Append(isZero ? "" : " ").Append(minus ? "-" : isBefore ? "+" : "");
            builder.Append(Abs(hours).ToString("D2", CultureInfo.InvariantCulture)).Append(':');
            builder.Append(Abs(minutes).ToString("D2", CultureInfo.InvariantCulture)).Append(':');
            builder.Append(Abs(seconds).ToString("D2", CultureInfo.InvariantCulture));
            if (fraction != 0)
            {
                builder.Append('.').Append(Abs(fraction).ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0'));
            }
        }

        Encoding.UTF8.GetBytes(builder.ToString(), writer);
    }

    /// <summary>Writes Int64 microseconds, Int32 days, Int32 months.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, PgInterval value)
    {
        var span = writer.GetSpan(16);
        BinaryPrimitives.WriteInt64BigEndian(span, value.Microseconds);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], value.Days);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], value.Months);
        writer.Advance(16);
    }

    /// <summary>
    /// Reads the postgres and postgres_verbose spellings: <c>[@] {number unit | [±]h:mm[:ss[.f]]}… [ago]</c> with units
    /// year, mon/month, week, day, hour, min/minute, sec/second, millisecond, microsecond (and their plurals and short
    /// forms). A bare number is seconds. Fractions of years, months and days spill into the smaller fields.
    /// </summary>
    public static PgInterval ReadText(ReadOnlySpan<byte> value)
    {
        Span<char> buffer = stackalloc char[256];
        var text = Utf8Text.TrimmedAscii(value, buffer, Type);
        try
        {
            return Parse(text);
        }
        catch (OverflowException)
        {
            return PgProtocolException.ThrowValue<PgInterval>(PgSqlState.DatetimeFieldOverflow, "interval out of range");
        }
    }

    /// <summary>Reads exactly 16 bytes.</summary>
    public static PgInterval ReadBinary(ReadOnlySpan<byte> value)
    {
        CodecErrors.Length(value, 16, Type);
        return new PgInterval(
            BinaryPrimitives.ReadInt32BigEndian(value[12..]),
            BinaryPrimitives.ReadInt32BigEndian(value[8..]),
            BinaryPrimitives.ReadInt64BigEndian(value));
    }

    private static long Abs(long value) => value < 0 ? -value : value;

    private static void AddPart(StringBuilder builder, int value, string unit, ref bool isZero, ref bool isBefore)
    {
        if (value == 0)
        {
            return;
        }

        builder.Append(isZero ? "" : " ").Append(isBefore && value > 0 ? "+" : "")
            .Append(value.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(unit).Append(value != 1 ? "s" : "");
        isBefore = value < 0;
        isZero = false;
    }

    private static PgInterval Parse(ReadOnlySpan<char> text)
    {
        checked
        {
            long months = 0, days = 0, micros = 0;
            var any = false;
            if (text.StartsWith('@'))
            {
                text = text[1..].TrimStart(' ');
            }

            var ago = false;
            Span<char> unitBuffer = stackalloc char[text.Length];
            while (!text.IsEmpty)
            {
                var token = NextToken(ref text);
                if (token.Equals("ago", StringComparison.OrdinalIgnoreCase) && text.IsEmpty && any)
                {
                    ago = true;
                    break;
                }

                if (token.Contains(':'))
                {
                    micros += ParseTime(token);
                    any = true;
                    continue;
                }

                if (!double.TryParse(token, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                    || double.IsInfinity(number) || Math.Abs(number) > 1e15)
                {
                    return CodecErrors.DateFormat<PgInterval>(Type);
                }

                var unit = text.IsEmpty ? "" : PeekUnit(ref text);
                any = true;
                var lower = unitBuffer[..unit.Length];
                unit.ToLowerInvariant(lower);
                switch (lower)
                {
                    case "year" or "years" or "y" or "yr" or "yrs":
                        months += Spill(number * 12, ref days, ref micros, 30);
                        break;
                    case "mon" or "mons" or "month" or "months":
                        months += Spill(number, ref days, ref micros, 30);
                        break;
                    case "week" or "weeks" or "w":
                        days += Spill(number * 7, ref micros);
                        break;
                    case "day" or "days" or "d":
                        days += Spill(number, ref micros);
                        break;
                    case "hour" or "hours" or "h" or "hr" or "hrs":
                        micros += (long)Math.Round(number * MicrosPerHour);
                        break;
                    case "min" or "mins" or "minute" or "minutes" or "m":
                        micros += (long)Math.Round(number * MicrosPerMinute);
                        break;
                    case "" or "sec" or "secs" or "second" or "seconds" or "s":
                        micros += (long)Math.Round(number * MicrosPerSecond);
                        break;
                    case "millisecond" or "milliseconds" or "ms" or "msec" or "msecs":
                        micros += (long)Math.Round(number * 1000);
                        break;
                    case "microsecond" or "microseconds" or "us" or "usec" or "usecs":
                        micros += (long)Math.Round(number);
                        break;
                    default:
                        return CodecErrors.DateFormat<PgInterval>(Type);
                }
            }

            if (!any)
            {
                return CodecErrors.DateFormat<PgInterval>(Type);
            }

            var result = new PgInterval((int)months, (int)days, micros);
            return ago ? new PgInterval(-result.Months, -result.Days, -result.Microseconds) : result;
        }
    }

    private static long Spill(double months, ref long days, ref long micros, int daysPerMonth)
    {
        var whole = Math.Truncate(months);
        days += Spill((months - whole) * daysPerMonth, ref micros);
        return checked((long)whole);
    }

    private static long Spill(double days, ref long micros)
    {
        var whole = Math.Truncate(days);
        micros = checked(micros + (long)Math.Round((days - whole) * MicrosPerDay));
        return checked((long)whole);
    }

    private static long ParseTime(ReadOnlySpan<char> token)
    {
        var sign = 1;
        if (token.Length > 0 && token[0] is '+' or '-')
        {
            sign = token[0] == '-' ? -1 : 1;
            token = token[1..];
        }

        var first = token.IndexOf(':');
        var second = token[(first + 1)..].IndexOf(':');
        var hoursText = token[..first];
        var minutesText = second < 0 ? token[(first + 1)..] : token.Slice(first + 1, second);
        var secondsText = second < 0 ? [] : token[(first + 2 + second)..];
        if (!long.TryParse(hoursText, NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !long.TryParse(minutesText, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes > 59)
        {
            return CodecErrors.DateFormat<long>(Type);
        }

        double seconds = 0;
        if (!secondsText.IsEmpty
            && (!double.TryParse(secondsText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds) || seconds >= 60))
        {
            return CodecErrors.DateFormat<long>(Type);
        }

        return checked(sign * ((hours * MicrosPerHour) + (minutes * MicrosPerMinute) + (long)Math.Round(seconds * MicrosPerSecond)));
    }

    private static ReadOnlySpan<char> NextToken(ref ReadOnlySpan<char> text)
    {
        var end = text.IndexOf(' ');
        var token = end < 0 ? text : text[..end];
        text = end < 0 ? [] : text[end..].TrimStart(' ');
        return token;
    }

    private static ReadOnlySpan<char> PeekUnit(ref ReadOnlySpan<char> text)
    {
        var end = text.IndexOf(' ');
        var candidate = end < 0 ? text : text[..end];
        if (candidate.Length > 0 && char.IsAsciiLetter(candidate[0]) && !candidate.Equals("ago", StringComparison.OrdinalIgnoreCase))
        {
            text = end < 0 ? [] : text[end..].TrimStart(' ');
            return candidate;
        }

        return [];
    }
}
