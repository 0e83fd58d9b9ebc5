using System.Text;

namespace Ladle.Core.Loading;

/// <summary>
/// Finds the identifiers a SQL text reads from (after FROM or JOIN), skipping strings and comments.
/// Used to infer a derived dataset's dependencies; a reference it misses can still be declared in depends_on.
/// </summary>
public static class SqlReferences
{
    public static IReadOnlyList<string> TablesReadBy(string sql)
    {
        var tokens = Tokenize(sql);
        var result = new List<string>();
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            var keyword = tokens[i];
            if (!keyword.Equals("from", StringComparison.OrdinalIgnoreCase) &&
                !keyword.Equals("join", StringComparison.OrdinalIgnoreCase)) continue;
            var next = tokens[i + 1];
            if (next == "(" || next.Length == 0) continue;
            // schema.table: keep the last part, which is how datasets are named in the store
            var j = i + 1;
            var name = next;
            while (j + 2 < tokens.Count && tokens[j + 1] == ".") { name = tokens[j + 2]; j += 2; }
            if (char.IsLetter(name[0]) || name[0] == '_') result.Add(name);
        }
        return result.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static List<string> Tokenize(string sql)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n') i++;
                continue;
            }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
                continue;
            }
            if (c == '\'')
            {
                i++;
                while (i < sql.Length && !(sql[i] == '\'' && (i + 1 >= sql.Length || sql[i + 1] != '\''))) i += sql[i] == '\'' ? 2 : 1;
                i++;
                tokens.Add("'");
                continue;
            }
            if (c == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < sql.Length && sql[i] != '"') sb.Append(sql[i++]);
                i++;
                tokens.Add(sb.ToString());
                continue;
            }
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_' || sql[i] == '$')) i++;
                tokens.Add(sql[start..i]);
                continue;
            }
            tokens.Add(c.ToString());
            i++;
        }
        return tokens;
    }
}
