using System.Buffers;
using System.Globalization;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>
/// PostgreSQL 12+'s float output (extra_float_digits = 1, the default): the shortest digits that read back exactly,
/// written plainly when the decimal exponent is in [-4, precision) and as <c>d.ddde+XX</c> otherwise (precision 15
/// for float8, 6 for float4); <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>.
/// </summary>
internal static class FloatFormat
{
    public static void Write(IBufferWriter<byte> writer, double value, string shortest, int precision)
    {
        if (double.IsNaN(value))
        {
            Utf8Text.WriteAscii(writer, "NaN");
            return;
        }

        if (double.IsInfinity(value))
        {
            Utf8Text.WriteAscii(writer, value > 0 ? "Infinity" : "-Infinity");
            return;
        }

        // shortest is .NET's round-trip form, e.g. "-1.2345678901234568E+17", "1.5E-07", "0.0001", "100".
        Span<char> digits = stackalloc char[32];
        var count = 0;
        var negative = shortest.StartsWith('-');
        var body = negative ? shortest.AsSpan(1) : shortest.AsSpan();
        var e = body.IndexOfAny('E', 'e');
        var mantissa = e < 0 ? body : body[..e];
        var exponentPart = e < 0 ? 0 : int.Parse(body[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.');
        var integerDigits = point < 0 ? mantissa.Length : point;
        foreach (var c in mantissa)
        {
            if (c != '.')
            {
                digits[count++] = c;
            }
        }

        // Normalise to digits d1 d2 … with the value = 0.d1d2… × 10^(decimalPoint).
        var leading = 0;
        while (leading < count - 1 && digits[leading] == '0')
        {
            leading++;
        }

        var decimalPoint = integerDigits + exponentPart - leading;
        var significant = digits.Slice(leading, count - leading);
        var trimmed = significant.Length;
        while (trimmed > 1 && significant[trimmed - 1] == '0')
        {
            trimmed--;
        }

        significant = significant[..trimmed];
        Span<char> output = stackalloc char[64];
        var o = 0;
        if (negative)
        {
            output[o++] = '-';
        }

        if (significant is ['0'])
        {
            output[o++] = '0';
            Utf8Text.WriteAscii(writer, output[..o]);
            return;
        }

        var exponent = decimalPoint - 1;
        if (exponent < -4 || exponent >= precision)
        {
            output[o++] = significant[0];
            if (significant.Length > 1)
            {
                output[o++] = '.';
                significant[1..].CopyTo(output[o..]);
                o += significant.Length - 1;
            }

            output[o++] = 'e';
            output[o++] = exponent < 0 ? '-' : '+';
            var magnitude = Math.Abs(exponent);
            if (magnitude < 10)
            {
                output[o++] = '0';
            }

            magnitude.TryFormat(output[o..], out var written, provider: CultureInfo.InvariantCulture);
            o += written;
        }
        else if (decimalPoint <= 0)
        {
            output[o++] = '0';
            output[o++] = '.';
            for (var i = 0; i < -decimalPoint; i++)
            {
                output[o++] = '0';
            }

            significant.CopyTo(output[o..]);
            o += significant.Length;
        }
        else
        {
            for (var i = 0; i < Math.Max(decimalPoint, significant.Length); i++)
            {
                if (i == decimalPoint)
                {
                    output[o++] = '.';
                }

                output[o++] = i < significant.Length ? significant[i] : '0';
            }
        }

        Utf8Text.WriteAscii(writer, output[..o]);
    }

    public static double Parse(ReadOnlySpan<byte> value, string type)
    {
        Span<char> buffer = stackalloc char[512];
        var text = Utf8Text.TrimmedAscii(value, buffer, type);
        var unsigned = text.Length > 0 && text[0] is '+' or '-' ? text[1..] : text;
        var sign = text.Length > 0 && text[0] == '-' ? -1.0 : 1.0;
        if (unsigned.Equals("infinity", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase))
        {
            return sign * double.PositiveInfinity;
        }

        if (unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            return double.NaN;
        }

        if (unsigned.IsEmpty || !char.IsAsciiDigit(unsigned[0]) && unsigned[0] != '.')
        {
            return CodecErrors.Text<double>(type);
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var result))
        {
            return CodecErrors.Text<double>(type);
        }

        return double.IsInfinity(result) ? CodecErrors.OutOfRange<double>(type) : result;
    }
}
