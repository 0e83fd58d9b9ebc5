namespace Ladle.Core.Semantic;

/// <summary>
/// Checks an SQL expression written in a model (a dimension's <c>sql:</c>, a measure's <c>filter:</c>) against the
/// columns of its dataset before anything runs: every bare name must be a column, and the text must be one
/// expression, not a statement. Expressions are the model owner's SQL, like a dataset's <c>sql:</c>; the check is
/// there to report a misspelt column at load with file:line:column, not at query time.
/// </summary>
public static class SqlSnippet
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "not", "is", "null", "true", "false", "in", "like", "ilike", "between", "case", "when", "then",
        "else", "end", "as", "cast", "interval", "date", "timestamp", "time", "distinct", "escape", "similar", "to",
        "asc", "desc", "nulls", "first", "last", "any", "all", "some", "at", "zone", "year", "month", "day", "hour",
        "minute", "second", "week", "quarter", "epoch", "dow", "doy", "isodow",
    };

    private static readonly HashSet<string> Statements = new(StringComparer.OrdinalIgnoreCase)
    {
        "select", "with", "union", "intersect", "except", "join", "where", "group", "having", "order", "limit",
        "insert", "update", "delete", "drop", "create", "alter", "attach", "detach", "copy", "pragma", "set",
        "install", "load", "call", "into", "values", "returning", "over", "window",
    };

    /// <summary>Words allowed as the FROM inside these functions: extract(year from ts), substring(s from 2), trim(x from s).</summary>
    private static readonly HashSet<string> FromFunctions = new(StringComparer.OrdinalIgnoreCase) { "extract", "substring", "trim", "overlay", "position" };

    /// <summary>One problem: what, and where in the text (0-based).</summary>
    public readonly record struct Problem(string Message, int Offset);

    /// <summary>
    /// Checks <paramref name="sql"/>; returns the columns it reads (as declared) and every problem found.
    /// </summary>
    public static (IReadOnlyList<string> Columns, IReadOnlyList<Problem> Problems) Check(string sql, IReadOnlyCollection<string> columns)
    {
        var found = new List<string>();
        var problems = new List<Problem>();
        var calls = new Stack<string>();
        var i = 0;
        string? previous = null;
        var afterAs = false;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == ';') { problems.Add(new Problem("';' ends a statement; write one expression", i)); i++; continue; }
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-') { problems.Add(new Problem("comments are not allowed in an expression", i)); break; }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*') { problems.Add(new Problem("comments are not allowed in an expression", i)); break; }
            if (c == '\'')
            {
                var end = i + 1;
                while (end < sql.Length && !(sql[end] == '\'' && (end + 1 >= sql.Length || sql[end + 1] != '\''))) end += sql[end] == '\'' ? 2 : 1;
                if (end >= sql.Length) { problems.Add(new Problem("a string literal is not closed (missing ')", i)); break; }
                i = end + 1;
                previous = "'";
                continue;
            }
            if (c == '"')
            {
                var end = sql.IndexOf('"', i + 1);
                if (end < 0) { problems.Add(new Problem("a quoted name is not closed (missing \")", i)); break; }
                var name = sql[(i + 1)..end];
                CheckColumn(name, i, afterAs);
                afterAs = false;
                i = end + 1;
                previous = "name";
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] == '_')) i++;
                var word = sql[start..i];
                var next = i;
                while (next < sql.Length && char.IsWhiteSpace(sql[next])) next++;
                var isCall = next < sql.Length && sql[next] == '(';
                if (isCall)
                {
                    if (word.StartsWith("read_", StringComparison.OrdinalIgnoreCase) || word.StartsWith("pg_", StringComparison.OrdinalIgnoreCase)
                        || word.Equals("glob", StringComparison.OrdinalIgnoreCase) || word.Equals("getenv", StringComparison.OrdinalIgnoreCase)
                        || word.Equals("current_setting", StringComparison.OrdinalIgnoreCase) || word.Equals("query", StringComparison.OrdinalIgnoreCase))
                        problems.Add(new Problem($"function '{word}' reads outside the dataset; an expression may use only the dataset's columns", start));
                    calls.Push(word);
                    i = next + 1;
                    previous = "(";
                    afterAs = false;
                    continue;
                }
                if (word.Equals("from", StringComparison.OrdinalIgnoreCase))
                {
                    if (calls.Count == 0 || !FromFunctions.Contains(calls.Peek()))
                        problems.Add(new Problem("'from' starts a query; an expression uses the dataset's columns directly", start));
                }
                else if (Statements.Contains(word))
                    problems.Add(new Problem($"'{word}' belongs in a query, not in an expression over the dataset's columns", start));
                else if (afterAs || previous == "::")
                {
                    // A type name: cast(x as varchar), x::date.
                }
                else if (!Keywords.Contains(word) || columns.Contains(word, StringComparer.OrdinalIgnoreCase))
                    CheckColumn(word, start, false);
                afterAs = word.Equals("as", StringComparison.OrdinalIgnoreCase);
                previous = "word";
                continue;
            }
            if (c == ':' && i + 1 < sql.Length && sql[i + 1] == ':') { previous = "::"; i += 2; continue; }
            if (c == '(') { calls.Push("("); previous = "("; afterAs = false; i++; continue; }
            if (c == ')')
            {
                if (calls.Count == 0) problems.Add(new Problem("')' has no matching '('", i));
                else calls.Pop();
                previous = ")";
                afterAs = false;
                i++;
                continue;
            }
            if (c == '.' && i + 1 < sql.Length && char.IsAsciiLetter(sql[i + 1]))
            {
                problems.Add(new Problem("qualified names are not needed: refer to the dataset's columns by name alone", i));
                i++;
                while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] == '_')) i++;
                continue;
            }
            previous = c.ToString();
            afterAs = false;
            i++;
        }
        if (calls.Count > 0 && problems.Count == 0) problems.Add(new Problem("'(' is not closed", sql.Length - 1));
        return (found, problems);

        void CheckColumn(string name, int at, bool typeName)
        {
            if (typeName) return;
            var column = columns.FirstOrDefault(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase));
            if (column is null)
                problems.Add(new Problem($"'{name}' is not a column of the dataset ({Ladle.Core.Loading.Suggest.Hint(name, columns)})", at));
            else if (!found.Contains(column)) found.Add(column);
        }
    }
}
