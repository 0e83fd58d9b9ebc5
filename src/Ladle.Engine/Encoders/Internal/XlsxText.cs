using System.Buffers;
using System.Globalization;
using System.Text;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>What Excel accepts as a sheet name and as cell text.</summary>
internal static class XlsxText
{
    /// <summary>Excel refuses longer sheet names.</summary>
    public const int MaxSheetNameLength = 31;

    /// <summary>Excel holds at most this many characters in a cell and asks to repair a file with more.</summary>
    public const int MaxCellLength = 32_767;

    private static readonly SearchValues<char> ForbiddenInSheetName = SearchValues.Create("[]:*?/\\");

    // Characters XML 1.0 cannot carry even as references (surrogates are checked separately, in pairs).
    private static readonly SearchValues<char> InvalidInXml = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFE\uFFFF");

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789ABCDEFabcdef");

    /// <summary>
    /// A sheet name Excel accepts: forbidden characters <c>[]:*?/\</c> and control characters become
    /// <c>_</c>, no apostrophe at either end, at most 31 characters, never empty nor the reserved "History".
    /// </summary>
    public static string SheetName(string? name)
    {
        var builder = new StringBuilder(name?.Length ?? 0);
        foreach (var c in name ?? "") builder.Append(ForbiddenInSheetName.Contains(c) || char.IsControl(c) ? '_' : c);
        var text = builder.ToString().Trim().Trim('\'');
        if (text.Length > MaxSheetNameLength)
            text = text[..(char.IsHighSurrogate(text[MaxSheetNameLength - 1]) ? MaxSheetNameLength - 1 : MaxSheetNameLength)];
        if (text.Length == 0) return "Sheet1";
        return string.Equals(text, "History", StringComparison.OrdinalIgnoreCase) ? text + "_" : text;
    }

    /// <summary>
    /// Text as a cell can hold it: cut to <see cref="MaxCellLength"/> characters, characters XML cannot carry
    /// (control characters, lone surrogates) written as Excel's <c>_xHHHH_</c> escape, and a literal
    /// <c>_xHHHH_</c> protected by escaping its underscore so that it reads back unchanged.
    /// </summary>
    public static string Cell(string text)
    {
        var span = text.AsSpan();
        if (span.Length <= MaxCellLength
            && span.IndexOfAny(InvalidInXml) < 0
            && !span.ContainsAnyInRange('\uD800', '\uDFFF')
            && !span.Contains("_x", StringComparison.Ordinal))
            return text;

        if (span.Length > MaxCellLength)
            span = span[..(char.IsHighSurrogate(span[MaxCellLength - 1]) ? MaxCellLength - 1 : MaxCellLength)];

        var builder = new StringBuilder(span.Length + 16);
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                builder.Append(c).Append(span[++i]);
            }
            else if (char.IsSurrogate(c) || InvalidInXml.Contains(c))
            {
                AppendEscape(builder, c);
            }
            else if (c == '_' && LooksLikeEscape(span[i..]))
            {
                AppendEscape(builder, c);
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    private static void AppendEscape(StringBuilder builder, char c) =>
        builder.Append("_x").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)).Append('_');

    private static bool LooksLikeEscape(ReadOnlySpan<char> text) =>
        text.Length >= 7 && text[1] == 'x' && text[6] == '_' && !text[2..6].ContainsAnyExcept(HexDigits);
}
