using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>
/// numeric (OID 1700). Text is the plain decimal with its scale kept (<c>12.500</c>). Binary is PostgreSQL's
/// numeric_send: Int16 ndigits, Int16 weight (power of 10000 of the first digit), UInt16 sign (0x0000 +, 0x4000 −,
/// 0xC000 NaN, 0xD000 +Infinity, 0xF000 −Infinity), Int16 dscale (digits after the point), then ndigits base-10000
/// digits with leading and trailing zero digits left out. Values wider than <see cref="decimal"/> (DuckDB's
/// DECIMAL(38)) go through the string overloads.
/// </summary>
public static class NumericCodec
{
    private const string Type = "numeric";
    private const ushort Positive = 0x0000;
    private const ushort Negative = 0x4000;
    private const ushort NaN = 0xC000;
    private const ushort PositiveInfinity = 0xD000;
    private const ushort NegativeInfinity = 0xF000;
    private const int MaxDscale = 0x3FFF;

    /// <summary>Writes the decimal with its scale, e.g. <c>12.500</c>.</summary>
    public static void WriteText(IBufferWriter<byte> writer, decimal value) => Utf8Text.WriteFormattable(writer, value);

    /// <summary>Writes numeric_send's form of <paramref name="value"/>.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, decimal value)
    {
        Span<char> text = stackalloc char[64];
        value.TryFormat(text, out var written, provider: CultureInfo.InvariantCulture);
        WriteBinary(writer, text[..written]);
    }

    /// <summary>
    /// Writes numeric_send's form of a plain decimal spelling (<c>-123.4500</c>, no exponent), of any width, or of
    /// <c>NaN</c>/<c>Infinity</c>/<c>-Infinity</c>.
    /// </summary>
    public static void WriteBinary(IBufferWriter<byte> writer, ReadOnlySpan<char> decimalText)
    {
        var special = decimalText switch
        {
            "NaN" => NaN,
            "Infinity" => PositiveInfinity,
            "-Infinity" => NegativeInfinity,
            _ => (ushort)0,
        };
        if (special != 0)
        {
            var head = writer.GetSpan(8);
            BinaryPrimitives.WriteInt64BigEndian(head, 0);
            BinaryPrimitives.WriteUInt16BigEndian(head[4..], special);

            // numeric_send reads the infinities' dscale out of their short header (bits 0x1F80 of 0xD000/0xF000): 32.
            BinaryPrimitives.WriteInt16BigEndian(head[6..], special == NaN ? (short)0 : (short)32);
            writer.Advance(8);
            return;
        }

        var negative = decimalText.Length > 0 && decimalText[0] == '-';
        var unsigned = decimalText.Length > 0 && decimalText[0] is '-' or '+' ? decimalText[1..] : decimalText;
        var point = unsigned.IndexOf('.');
        var integer = point < 0 ? unsigned : unsigned[..point];
        var fraction = point < 0 ? [] : unsigned[(point + 1)..];
        if ((integer.IsEmpty && fraction.IsEmpty) || integer.ContainsAnyExceptInRange('0', '9') || fraction.ContainsAnyExceptInRange('0', '9'))
        {
            throw new ArgumentException("Expected a plain decimal such as -123.45.", nameof(decimalText));
        }

        if (fraction.Length > MaxDscale)
        {
            throw new ArgumentException($"A numeric has at most {MaxDscale} digits after the point.", nameof(decimalText));
        }

        integer = integer.TrimStart('0');

        // Base-10000 digits: the integer part grouped from the point leftwards, the fraction from the point rightwards.
        var integerGroups = (integer.Length + 3) / 4;
        var fractionGroups = (fraction.Length + 3) / 4;
        var total = integerGroups + fractionGroups;
        var rented = ArrayPool<short>.Shared.Rent(Math.Max(total, 1));
        try
        {
            var groups = rented.AsSpan(0, total);
            var first = integer.Length - ((integerGroups - 1) * 4);
            for (var g = 0; g < integerGroups; g++)
            {
                var start = g == 0 ? 0 : first + ((g - 1) * 4);
                var length = g == 0 ? first : 4;
                groups[g] = Group(integer.Slice(start, length), 0);
            }

            for (var g = 0; g < fractionGroups; g++)
            {
                var start = g * 4;
                var length = Math.Min(4, fraction.Length - start);
                groups[integerGroups + g] = Group(fraction.Slice(start, length), 4 - length);
            }

            var weight = integerGroups - 1;
            var lead = 0;
            while (lead < groups.Length && groups[lead] == 0)
            {
                lead++;
                weight--;
            }

            var end = groups.Length;
            while (end > lead && groups[end - 1] == 0)
            {
                end--;
            }

            var digits = groups[lead..end];
            if (digits.IsEmpty)
            {
                weight = 0;
            }

            var span = writer.GetSpan(8 + (2 * digits.Length));
            BinaryPrimitives.WriteInt16BigEndian(span, (short)digits.Length);
            BinaryPrimitives.WriteInt16BigEndian(span[2..], (short)weight);
            BinaryPrimitives.WriteUInt16BigEndian(span[4..], negative && !digits.IsEmpty ? Negative : Positive);
            BinaryPrimitives.WriteInt16BigEndian(span[6..], (short)fraction.Length);
            for (var i = 0; i < digits.Length; i++)
            {
                BinaryPrimitives.WriteInt16BigEndian(span[(8 + (2 * i))..], digits[i]);
            }

            writer.Advance(8 + (2 * digits.Length));
        }
        finally
        {
            ArrayPool<short>.Shared.Return(rented);
        }
    }

    /// <summary>Reads a decimal spelling (exponent allowed) into a <see cref="decimal"/>; beyond its range is 22003.</summary>
    public static decimal ReadText(ReadOnlySpan<byte> value)
    {
        Span<char> buffer = stackalloc char[512];
        var text = Utf8Text.TrimmedAscii(value, buffer, Type);
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || text is "NaN" or "Infinity" or "-Infinity"
            ? CodecErrors.OutOfRange<decimal>(Type)
            : CodecErrors.Text<decimal>(Type);
    }

    /// <summary>Reads numeric_send's form into a <see cref="decimal"/>; NaN, infinities and values beyond its range are 22003.</summary>
    public static decimal ReadBinary(ReadOnlySpan<byte> value)
    {
        var text = ReadBinaryAsString(value);
        return decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var result)
            ? result
            : CodecErrors.OutOfRange<decimal>(Type);
    }

    /// <summary>Reads numeric_send's form into its plain decimal spelling (any width), or NaN/Infinity/-Infinity.</summary>
    public static string ReadBinaryAsString(ReadOnlySpan<byte> value)
    {
        if (value.Length < 8)
        {
            return CodecErrors.Binary<string>(Type, $"expected at least 8 header bytes, got {value.Length}");
        }

        var ndigits = BinaryPrimitives.ReadInt16BigEndian(value);
        var weight = BinaryPrimitives.ReadInt16BigEndian(value[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
        var dscale = BinaryPrimitives.ReadInt16BigEndian(value[6..]);
        if (ndigits < 0 || value.Length != 8 + (2 * ndigits))
        {
            return CodecErrors.Binary<string>(Type, $"{ndigits} digits claimed in {value.Length} bytes");
        }

        if (sign is NaN or PositiveInfinity or NegativeInfinity)
        {
            return sign == NaN ? "NaN" : sign == PositiveInfinity ? "Infinity" : "-Infinity";
        }

        if (sign is not (Positive or Negative))
        {
            return CodecErrors.Binary<string>(Type, "invalid sign");
        }

        if (dscale is < 0 or > MaxDscale)
        {
            return CodecErrors.Binary<string>(Type, "invalid scale");
        }

        Span<short> digits = ndigits <= 256 ? stackalloc short[ndigits] : new short[ndigits];
        for (var i = 0; i < ndigits; i++)
        {
            var digit = BinaryPrimitives.ReadInt16BigEndian(value[(8 + (2 * i))..]);
            if (digit is < 0 or > 9999)
            {
                return CodecErrors.Binary<string>(Type, "invalid digit");
            }

            digits[i] = digit;
        }

        var builder = new StringBuilder();
        if (sign == Negative && ndigits > 0)
        {
            builder.Append('-');
        }

        if (weight < 0)
        {
            builder.Append('0');
        }
        else
        {
            // A sender may leave zero digits at the front (numeric_recv accepts them); they print as nothing.
            var started = false;
            for (var g = 0; g <= weight; g++)
            {
                var digit = g < ndigits ? digits[g] : (short)0;
                if (!started && digit == 0 && g < weight)
                {
                    continue;
                }

                builder.Append(digit.ToString(started ? "D4" : "D", CultureInfo.InvariantCulture));
                started = true;
            }
        }

        if (dscale > 0)
        {
            builder.Append('.');
            var fractionStart = builder.Length;

            // Group weight+j holds the j-th fraction group; digits beyond dscale are cut, as numeric_recv does.
            for (var j = 1; builder.Length - fractionStart < dscale; j++)
            {
                var g = weight + j;
                var digit = g >= 0 && g < ndigits ? digits[g] : (short)0;
                builder.Append(digit.ToString("D4", CultureInfo.InvariantCulture));
            }

            builder.Length = fractionStart + dscale;
        }

        return builder.ToString();
    }

    private static short Group(ReadOnlySpan<char> digits, int padRight)
    {
        var value = 0;
        foreach (var c in digits)
        {
            value = (value * 10) + (c - '0');
        }

        for (var i = 0; i < padRight; i++)
        {
            value *= 10;
        }

        return (short)value;
    }
}
