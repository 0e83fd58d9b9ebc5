using System.Buffers;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>The ISO timestamp spelling shared by timestamp and timestamptz.</summary>
internal static class DateTimeText
{
    /// <summary>Writes <c>yyyy-MM-dd HH:mm:ss</c> and, when not zero, a fraction of up to six digits without trailing zeros.</summary>
    public static void Write(IBufferWriter<byte> writer, DateTime value, ReadOnlySpan<byte> suffix)
    {
        var span = writer.GetSpan(32 + suffix.Length);
        value.TryFormat(span, out var at, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var micros = (int)(value.Ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond);
        if (micros != 0)
        {
            span[at++] = (byte)'.';
            var digits = 6;
            while (micros % 10 == 0)
            {
                micros /= 10;
                digits--;
            }

            for (var i = digits - 1; i >= 0; i--)
            {
                span[at + i] = (byte)('0' + (micros % 10));
                micros /= 10;
            }

            at += digits;
        }

        suffix.CopyTo(span[at..]);
        writer.Advance(at + suffix.Length);
    }

    /// <summary>Parses <c>yyyy-MM-dd[( |T)HH:mm[:ss[.fffffff]]]</c> and returns what follows (a zone, for timestamptz).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTime value, out ReadOnlySpan<char> rest)
    {
        value = default;
        rest = default;
        if (text.Length < 10 || !DateOnly.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return false;
        }

        text = text[10..];
        long ticks = 0;
        if (text.Length > 0 && text[0] is ' ' or 'T' && text.Length > 1 && char.IsAsciiDigit(text[1]))
        {
            text = text[1..];
            if (!TryTwoDigits(ref text, 23, out var hour) || !TryColon(ref text) || !TryTwoDigits(ref text, 59, out var minute))
            {
                return false;
            }

            var second = 0;
            if (text.Length > 0 && text[0] == ':')
            {
                text = text[1..];
                if (!TryTwoDigits(ref text, 59, out second))
                {
                    return false;
                }
            }

            long fraction = 0;
            if (text.Length > 0 && text[0] == '.')
            {
                text = text[1..];
                var digits = 0;
                long scale = TimeSpan.TicksPerSecond;
                while (text.Length > 0 && char.IsAsciiDigit(text[0]))
                {
                    if (digits < 7)
                    {
                        scale /= 10;
                        fraction += (text[0] - '0') * scale;
                    }

                    digits++;
                    text = text[1..];
                }

                if (digits == 0)
                {
                    return false;
                }

                // PostgreSQL keeps microseconds: round the 100 ns tick to the nearest microsecond.
                fraction = (fraction + (TimeSpan.TicksPerMicrosecond / 2)) / TimeSpan.TicksPerMicrosecond * TimeSpan.TicksPerMicrosecond;
            }

            ticks = (hour * TimeSpan.TicksPerHour) + (minute * TimeSpan.TicksPerMinute) + (second * TimeSpan.TicksPerSecond) + fraction;
        }

        var start = date.ToDateTime(TimeOnly.MinValue).Ticks;
        if (start + ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTime(start + ticks, DateTimeKind.Unspecified);
        rest = text;
        return true;
    }

    /// <summary>True for spellings that are well-formed PostgreSQL but outside DateTime: infinity, BC, five-digit years.</summary>
    public static bool LooksLikeOutOfRange(ReadOnlySpan<char> text) =>
        text.Contains("infinity", StringComparison.OrdinalIgnoreCase)
        || text.EndsWith(" BC", StringComparison.OrdinalIgnoreCase)
        || (text.Length > 5 && char.IsAsciiDigit(text[4]) && !text[..5].ContainsAnyExceptInRange('0', '9'));

    private static bool TryTwoDigits(ref ReadOnlySpan<char> text, int max, out int value)
    {
        value = 0;
        if (text.Length < 2 || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[1]))
        {
            return false;
        }

        value = ((text[0] - '0') * 10) + (text[1] - '0');
        text = text[2..];
        return value <= max;
    }

    private static bool TryColon(ref ReadOnlySpan<char> text)
    {
        if (text.Length == 0 || text[0] != ':')
        {
            return false;
        }

        text = text[1..];
        return true;
    }
}
