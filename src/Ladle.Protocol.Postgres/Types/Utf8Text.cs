using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>Small helpers shared by the text-format codecs.</summary>
internal static class Utf8Text
{
    public static void WriteFormattable<T>(IBufferWriter<byte> writer, T value, ReadOnlySpan<char> format = default)
        where T : IUtf8SpanFormattable
    {
        var span = writer.GetSpan(64);
        if (!value.TryFormat(span, out var written, format, CultureInfo.InvariantCulture))
        {
            span = writer.GetSpan(256);
            value.TryFormat(span, out written, format, CultureInfo.InvariantCulture);
        }

        writer.Advance(written);
    }

    public static void WriteAscii(IBufferWriter<byte> writer, ReadOnlySpan<char> text)
    {
        var span = writer.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        writer.Advance(text.Length);
    }

    /// <summary>Decodes strict UTF-8 without NUL (PostgreSQL text cannot hold one), as chars for parsing.</summary>
    public static string Decode(ReadOnlySpan<byte> value, string type)
    {
        if (!Utf8.IsValid(value) || value.Contains((byte)0))
        {
            PgProtocolException.ThrowValue<int>(PgSqlState.CharacterNotInRepertoire, $"invalid byte sequence for encoding \"UTF8\" in a {type} value");
        }

        return Encoding.UTF8.GetString(value);
    }

    /// <summary>The value as ASCII chars with surrounding whitespace trimmed, for number and date parsing; non-ASCII is a syntax error.</summary>
    public static ReadOnlySpan<char> TrimmedAscii(ReadOnlySpan<byte> value, Span<char> buffer, string type)
    {
        if (value.Length > buffer.Length)
        {
            return CodecErrors.Text<char[]>(type);
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] > 0x7f)
            {
                CodecErrors.Text<int>(type);
            }

            buffer[i] = (char)value[i];
        }

        return buffer[..value.Length].Trim();
    }
}
