namespace Ladle.Engine.SqlGateway;

/// <summary>The words a statement starts with, past blanks and comments, as the parser would read them.</summary>
internal static class SqlStatementText
{
    /// <summary>The first keyword of <paramref name="sql"/> (upper case; empty when there is none) and where the text after it starts.</summary>
    public static (string Keyword, int End) FirstKeyword(string sql, int from = 0)
    {
        var i = SkipBlanks(sql, from);
        var start = i;
        while (i < sql.Length && (char.IsLetter(sql[i]) || sql[i] == '_')) i++;
        return (sql[start..i].ToUpperInvariant(), i);
    }

    /// <summary>The first position at or after <paramref name="i"/> that is neither white space nor inside a comment.</summary>
    public static int SkipBlanks(string sql, int i)
    {
        while (i < sql.Length)
        {
            if (char.IsWhiteSpace(sql[i])) { i++; continue; }
            if (sql[i] == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
                continue;
            }
            if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
                continue;
            }
            break;
        }
        return i;
    }
}
