using System.Text;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// PostgreSQL's rule for names, applied to what DuckDB's parser hands back (it keeps every name as written and does
/// not say whether it was quoted): an unquoted name is folded to lower case (ASCII letters only, as PostgreSQL does
/// under UTF8), a quoted one is kept exactly. Whether a name was quoted is read from the statement's text.
/// </summary>
internal sealed class SqlIdentifiers(string sql)
{
    private readonly byte[] _text = Encoding.UTF8.GetBytes(sql);

    /// <summary>
    /// The parts of a column reference (<paramref name="names"/>, as parsed) that starts at byte
    /// <paramref name="location"/> of the text (-1 when unknown), each folded or kept.
    /// </summary>
    public List<string> Reference(IReadOnlyList<string> names, long location)
    {
        var quoted = location >= 0 ? QuotedParts(location, names.Count) : null;
        return names.Select((n, i) => (quoted?[i] ?? AppearsQuoted(n)) ? n : Fold(n)).ToList();
    }

    /// <summary>An alias (AS name) or table alias: the parser gives no position for it, so it counts as quoted when written quoted somewhere in the text.</summary>
    public string Alias(string name) => name.Length == 0 || AppearsQuoted(name) ? name : Fold(name);

    /// <summary>Lower-cases ASCII letters only.</summary>
    public static string Fold(string name) => string.Create(name.Length, name, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++) span[i] = char.IsAsciiLetterUpper(source[i]) ? (char)(source[i] + 32) : source[i];
    });

    private bool AppearsQuoted(string name) =>
        name != Fold(name) && _text.AsSpan().IndexOf(Encoding.UTF8.GetBytes("\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"")) >= 0;

    /// <summary>Whether each of the <paramref name="count"/> dotted parts starting at <paramref name="location"/> is quoted; null when the text there does not read as such a reference.</summary>
    private bool[]? QuotedParts(long location, int count)
    {
        var quoted = new bool[count];
        var at = (int)Math.Min(location, _text.Length);
        for (var part = 0; part < count; part++)
        {
            if (part > 0)
            {
                at = SkipSpace(at);
                if (at >= _text.Length || _text[at] != (byte)'.') return null;
                at = SkipSpace(at + 1);
            }
            if (at >= _text.Length) return null;
            if (_text[at] == (byte)'"')
            {
                quoted[part] = true;
                at++;
                while (at < _text.Length && !(_text[at] == (byte)'"' && (at + 1 >= _text.Length || _text[at + 1] != (byte)'"'))) at += _text[at] == (byte)'"' ? 2 : 1;
                at++;
            }
            else
            {
                var start = at;
                while (at < _text.Length && (_text[at] >= 0x80 || char.IsAsciiLetterOrDigit((char)_text[at]) || _text[at] is (byte)'_' or (byte)'$')) at++;
                if (at == start) return null;
            }
        }
        return quoted;
    }

    private int SkipSpace(int at)
    {
        while (at < _text.Length && _text[at] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') at++;
        return at;
    }
}
