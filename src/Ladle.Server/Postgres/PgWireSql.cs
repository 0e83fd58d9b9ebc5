using System.Globalization;
using System.Text;

namespace Ladle.Server.Postgres;

/// <summary>The kind of a lexical token of PostgreSQL's SQL.</summary>
internal enum PgTokenKind
{
    /// <summary>A keyword or unquoted identifier, lower-cased as PostgreSQL folds it.</summary>
    Word,
    /// <summary>A double-quoted identifier, case kept.</summary>
    QuotedIdentifier,
    /// <summary>A string constant ('…', E'…', $tag$…$tag$), its value unescaped.</summary>
    String,
    /// <summary>A numeric constant.</summary>
    Number,
    /// <summary>A parameter placeholder $n.</summary>
    Parameter,
    /// <summary>Any other character (operators, punctuation); ';' ends a statement.</summary>
    Symbol,
}

/// <summary>One token: its kind, its value and where it starts and ends in the text.</summary>
internal readonly record struct PgToken(PgTokenKind Kind, string Value, int Start, int End)
{
    public bool IsWord(string word) => Kind == PgTokenKind.Word && Value == word;

    public bool IsSymbol(char symbol) => Kind == PgTokenKind.Symbol && Value.Length == 1 && Value[0] == symbol;
}

/// <summary>
/// A small lexer of PostgreSQL's SQL, enough to split a simple query's several statements, count its $n parameters
/// and read session commands (SET, SHOW, BEGIN, COPY …): it respects single-quoted strings (with '' and, after E, the
/// backslash escapes), dollar quotes, quoted identifiers, and line and nested block comments.
/// </summary>
internal static class PgWireSql
{
    /// <summary>The tokens of <paramref name="sql"/>; comments and whitespace are dropped. An unterminated string or comment ends at the end of the text.</summary>
    public static List<PgToken> Tokenize(string sql)
    {
        var tokens = new List<PgToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && At(sql, i + 1) == '-')
            {
                while (i < sql.Length && sql[i] != '\n') i++;
            }
            else if (c == '/' && At(sql, i + 1) == '*')
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c == '\'')
            {
                var start = i;
                var value = ReadQuoted(sql, ref i, backslashEscapes: false);
                tokens.Add(new PgToken(PgTokenKind.String, value, start, i));
            }
            else if ((c is 'e' or 'E') && At(sql, i + 1) == '\'')
            {
                var start = i;
                i++;
                var value = ReadQuoted(sql, ref i, backslashEscapes: true);
                tokens.Add(new PgToken(PgTokenKind.String, value, start, i));
            }
            else if (c == '"')
            {
                var start = i;
                var value = ReadQuotedIdentifier(sql, ref i);
                tokens.Add(new PgToken(PgTokenKind.QuotedIdentifier, value, start, i));
            }
            else if (c == '$' && char.IsAsciiDigit(At(sql, i + 1)))
            {
                var start = i++;
                while (i < sql.Length && char.IsAsciiDigit(sql[i])) i++;
                tokens.Add(new PgToken(PgTokenKind.Parameter, sql[(start + 1)..i], start, i));
            }
            else if (c == '$' && TryReadDollarQuoted(sql, ref i, out var dollarValue, out var dollarStart))
            {
                tokens.Add(new PgToken(PgTokenKind.String, dollarValue, dollarStart, i));
            }
            else if (IsIdentifierStart(c))
            {
                var start = i++;
                while (i < sql.Length && IsIdentifierPart(sql[i])) i++;
                tokens.Add(new PgToken(PgTokenKind.Word, sql[start..i].ToLowerInvariant(), start, i));
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(At(sql, i + 1))))
            {
                var start = i++;
                while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] == '.' || sql[i] == '_'
                    || ((sql[i] is '+' or '-') && sql[i - 1] is 'e' or 'E'))) i++;
                tokens.Add(new PgToken(PgTokenKind.Number, sql[start..i], start, i));
            }
            else
            {
                tokens.Add(new PgToken(PgTokenKind.Symbol, c.ToString(), i, i + 1));
                i++;
            }
        }

        return tokens;
    }

    /// <summary>
    /// The statements of a simple query, in order, each without its terminating ';' and trimmed; empty statements
    /// (";;", a lone comment) are left out, so an empty list means an empty query.
    /// </summary>
    public static List<string> Split(string sql)
    {
        var statements = new List<string>();
        var start = 0;
        var hasTokens = false;
        foreach (var token in Tokenize(sql))
        {
            if (token.IsSymbol(';'))
            {
                if (hasTokens) statements.Add(sql[start..token.Start].Trim());
                start = token.End;
                hasTokens = false;
            }
            else
            {
                if (!hasTokens) start = token.Start;
                hasTokens = true;
            }
        }

        if (hasTokens) statements.Add(sql[start..].Trim());
        return statements;
    }

    /// <summary>The highest $n the statement uses (0 when none): the number of parameters it takes.</summary>
    public static int CountParameters(IReadOnlyList<PgToken> tokens)
    {
        var most = 0;
        foreach (var token in tokens)
        {
            if (token.Kind == PgTokenKind.Parameter && int.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                most = Math.Max(most, n);
        }

        return most;
    }

    private static char At(string sql, int i) => i < sql.Length ? sql[i] : '\0';

    private static bool IsIdentifierStart(char c) => char.IsLetter(c) || c == '_' || c > 127;

    private static bool IsIdentifierPart(char c) => char.IsLetterOrDigit(c) || c is '_' or '$' || c > 127;

    private static int SkipBlockComment(string sql, int i)
    {
        var depth = 0;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && At(sql, i + 1) == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && At(sql, i + 1) == '/')
            {
                depth--;
                i += 2;
                if (depth == 0) return i;
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    private static string ReadQuoted(string sql, ref int i, bool backslashEscapes)
    {
        var value = new StringBuilder();
        i++;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '\'' && At(sql, i + 1) == '\'')
            {
                value.Append('\'');
                i += 2;
            }
            else if (c == '\'')
            {
                i++;
                return value.ToString();
            }
            else if (backslashEscapes && c == '\\' && i + 1 < sql.Length)
            {
                var next = sql[i + 1];
                value.Append(next switch { 'n' => '\n', 't' => '\t', 'r' => '\r', 'b' => '\b', 'f' => '\f', _ => next });
                i += 2;
            }
            else
            {
                value.Append(c);
                i++;
            }
        }

        return value.ToString();
    }

    private static string ReadQuotedIdentifier(string sql, ref int i)
    {
        var value = new StringBuilder();
        i++;
        while (i < sql.Length)
        {
            if (sql[i] == '"' && At(sql, i + 1) == '"')
            {
                value.Append('"');
                i += 2;
            }
            else if (sql[i] == '"')
            {
                i++;
                break;
            }
            else
            {
                value.Append(sql[i++]);
            }
        }

        return value.ToString();
    }

    /// <summary>Reads $tag$…$tag$ (tag empty or an identifier); false when the '$' does not open one.</summary>
    private static bool TryReadDollarQuoted(string sql, ref int i, out string value, out int start)
    {
        start = i;
        value = "";
        var tagEnd = i + 1;
        while (tagEnd < sql.Length && sql[tagEnd] != '$' && (char.IsLetterOrDigit(sql[tagEnd]) || sql[tagEnd] == '_')) tagEnd++;
        if (tagEnd >= sql.Length || sql[tagEnd] != '$') return false;
        var tag = sql[i..(tagEnd + 1)];
        var close = sql.IndexOf(tag, tagEnd + 1, StringComparison.Ordinal);
        if (close < 0)
        {
            value = sql[(tagEnd + 1)..];
            i = sql.Length;
            return true;
        }

        value = sql[(tagEnd + 1)..close];
        i = close + tag.Length;
        return true;
    }
}
