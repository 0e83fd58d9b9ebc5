using System.Text;
using System.Text.RegularExpressions;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// Rewrites the PostgreSQL spellings clients send that DuckDB's parser refuses or misreads, before parsing:
/// <c>OPERATOR(pg_catalog.~)</c> → <c>~</c>; <c>COLLATE pg_catalog.default</c> (and "C", "POSIX") dropped;
/// <c>::pg_catalog.text</c> → <c>::text</c>; <c>'orders'::regclass</c> → <c>pg_catalog.to_regclass('orders')</c>
/// (a name becomes its OID; an OID cast to regclass becomes its name through the catalog's Cast); the literal pattern of
/// <c>~</c> and <c>!~</c> wrapped so that DuckDB's whole-text match finds it anywhere, as PostgreSQL does; an unquoted
/// alias after <c>AS</c> or qualified column folded to lower case, as PostgreSQL names the column. String literals,
/// quoted identifiers and comments are never changed: they are masked while the rules run.
/// </summary>
internal static partial class PgSqlNormalizer
{
    private const char Open = '\u0001', Close = '\u0002';

    public static string Normalize(string sql)
    {
        if (sql.Contains(Open, StringComparison.Ordinal) || sql.Contains(Close, StringComparison.Ordinal)) return sql;
        var segments = new List<string>();
        var text = Mask(sql, segments);
        text = Operator().Replace(text, m => " " + m.Groups["op"].Value + " ");
        text = RegexMatch().Replace(text, m => m.Groups["op"].Value + " " + Partial(m.Groups["literal"].Value, segments));
        text = LiteralCast().Replace(text, m => $"pg_catalog.to_{m.Groups["type"].Value.ToLowerInvariant()}({m.Groups["literal"].Value})");
        text = Collate().Replace(text, m => IsBuiltinCollation(m.Groups["name"].Value, segments) ? "" : m.Value);
        text = QualifiedType().Replace(text, m => m.Groups["head"].Value);
        // PostgreSQL folds an unquoted alias to lower case (SELECT NULL AS TABLE_CAT answers table_cat); DuckDB keeps it as written.
        text = UnquotedAlias().Replace(text, m => m.Groups["as"].Value + m.Groups["name"].Value.ToLowerInvariant());
        // And so a qualified column written unquoted (result.TABLE_CAT answers table_cat).
        text = UnquotedQualifiedName().Replace(text, m => m.Value.ToLowerInvariant());
        return Unmask(text, segments);
    }

    // PostgreSQL's ~ finds the pattern anywhere; DuckDB's ~ must match the whole text. A literal pattern is wrapped so
    // that matching all of the text means finding it somewhere (anchors inside still anchor at the ends).
    private static string Partial(string placeholder, List<string> segments)
    {
        var literal = segments[int.Parse(placeholder.AsSpan(2, placeholder.Length - 3), System.Globalization.CultureInfo.InvariantCulture)];
        if (literal.Length < 2 || literal[0] != '\'' || literal[^1] != '\'') return placeholder;
        segments.Add("'(?s:.*)(?:" + literal[1..^1] + ")(?s:.*)'");
        return $"{Open}L{segments.Count - 1}{Close}";
    }

    private static bool IsBuiltinCollation(string name, List<string> segments)
    {
        if (name.Length > 2 && name[0] == Open && name[1] == 'Q')
            name = segments[int.Parse(name.AsSpan(2, name.Length - 3), System.Globalization.CultureInfo.InvariantCulture)].Trim('"');
        return name is "default" or "C" or "POSIX" or "ucs_basic" || name.Equals("default", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Replaces literals (L), quoted identifiers (Q) and comments (C) by numbered placeholders.</summary>
    private static string Mask(string sql, List<string> segments)
    {
        var output = new StringBuilder(sql.Length);
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var end = -1;
            var kind = 'L';
            if (c == '\'')
                end = QuotedEnd(sql, i, '\'', backslashes: i > 0 && (sql[i - 1] is 'E' or 'e') && (i < 2 || !IsWordChar(sql[i - 2])));
            else if (c == '"')
            {
                end = QuotedEnd(sql, i, '"', backslashes: false);
                kind = 'Q';
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                kind = 'C';
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                end = BlockCommentEnd(sql, i);
                kind = 'C';
            }
            else if (c == '$' && (i == 0 || !IsWordChar(sql[i - 1])) && DollarTag(sql, i) is { } tag)
            {
                var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                end = close < 0 ? sql.Length : close + tag.Length;
            }
            if (end < 0)
            {
                output.Append(c);
                i++;
                continue;
            }
            output.Append(Open).Append(kind).Append(segments.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(Close);
            segments.Add(sql[i..end]);
            i = end;
        }
        return output.ToString();
    }

    private static string Unmask(string text, List<string> segments) =>
        Placeholder().Replace(text, m => segments[int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture)]);

    // The index after the closing quote (a doubled quote is an escaped one), or the end of an unterminated literal.
    private static int QuotedEnd(string sql, int start, char quote, bool backslashes)
    {
        for (var i = start + 1; i < sql.Length; i++)
        {
            if (backslashes && sql[i] == '\\') { i++; continue; }
            if (sql[i] != quote) continue;
            if (i + 1 < sql.Length && sql[i + 1] == quote) { i++; continue; }
            return i + 1;
        }
        return sql.Length;
    }

    private static int BlockCommentEnd(string sql, int start)
    {
        var depth = 0;
        for (var i = start; i < sql.Length - 1; i++)
        {
            if (sql[i] == '/' && sql[i + 1] == '*') { depth++; i++; }
            else if (sql[i] == '*' && sql[i + 1] == '/' && --depth == 0) return i + 2;
            else if (sql[i] == '*' && sql[i + 1] == '/') i++;
        }
        return sql.Length;
    }

    // $$ or $tag$ (a tag starts with a letter or underscore; $1 is a parameter).
    private static string? DollarTag(string sql, int start)
    {
        var i = start + 1;
        if (i < sql.Length && sql[i] == '$') return "$$";
        if (i >= sql.Length || !(char.IsLetter(sql[i]) || sql[i] == '_')) return null;
        while (i < sql.Length && IsWordChar(sql[i])) i++;
        return i < sql.Length && sql[i] == '$' ? sql[start..(i + 1)] : null;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    [GeneratedRegex(@"\bOPERATOR\s*\(\s*(?:pg_catalog\s*\.\s*)?(?<op>[-+*/<>=~!@#%^&|`?]+)\s*\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Operator();

    [GeneratedRegex(@"(?<![~!#@^&|`?<>=*/+-])(?<op>!?~)\s*(?<literal>\u0001L\d+\u0002)", RegexOptions.CultureInvariant)]
    private static partial Regex RegexMatch();

    [GeneratedRegex(@"(?<literal>\u0001L\d+\u0002)\s*::\s*(?:pg_catalog\s*\.\s*)?(?<type>regclass|regtype|regproc|regprocedure|regnamespace|regrole)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LiteralCast();

    [GeneratedRegex(@"\s*\bCOLLATE\s+(?:pg_catalog\s*\.\s*)?(?<name>default\b|\u0001Q\d+\u0002)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Collate();

    // ::pg_catalog.text, CAST(x AS pg_catalog.int4): DuckDB's parser refuses some qualified type names (text).
    [GeneratedRegex(@"(?<head>::\s*|\bAS\s+)pg_catalog\s*\.\s*(?=[A-Za-z_\u0001])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedType();

    [GeneratedRegex(@"(?<as>\bAS\s+)(?<name>[A-Za-z_][A-Za-z0-9_$]*)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnquotedAlias();

    [GeneratedRegex(@"(?<=[A-Za-z0-9_$\u0002]\s*\.\s*)[A-Za-z_][A-Za-z0-9_$]*\b(?!\s*\()", RegexOptions.CultureInvariant)]
    private static partial Regex UnquotedQualifiedName();

    [GeneratedRegex(@"\u0001[LQC](?<n>\d+)\u0002", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
