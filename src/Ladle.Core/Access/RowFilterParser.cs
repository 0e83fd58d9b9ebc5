using System.Text.RegularExpressions;
using Ladle.Core.Errors;
using Ladle.Core.Queries;

namespace Ladle.Core.Access;

/// <summary>
/// Parses row filters: <c>column op value [and …]</c> where op is = != &lt; &lt;= &gt; &gt;= or in, and a value is
/// <c>{{ principal.attribute }}</c>, a number, or a 'quoted string'; <c>in</c> takes a parenthesised list.
/// </summary>
public static partial class RowFilterParser
{
    [GeneratedRegex(@"\G\s*(?:(?<attr>\{\{\s*principal\.(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*\}\})|(?<str>'(?:[^']|'')*')|(?<num>-?\d+(?:\.\d+)?)|(?<op><=|>=|!=|<>|=|<|>)|(?<punct>[(),])|(?<word>[A-Za-z_][A-Za-z0-9_]*))\s*")]
    private static partial Regex TokenRegex();

    public static RowFilter Parse(string text, SourceLocation at)
    {
        var tokens = Tokenize(text, at);
        var conditions = new List<RowCondition>();
        var i = 0;
        while (true)
        {
            if (i >= tokens.Count || tokens[i].Kind != "word") throw Error(text, at, "expected a column name");
            var column = tokens[i++].Text;
            if (i >= tokens.Count) throw Error(text, at, $"expected an operator after '{column}'");
            var opToken = tokens[i++];
            FilterOperator op;
            List<RowFilterValue> values = [];
            if (opToken.Kind == "word" && opToken.Text.Equals("in", StringComparison.OrdinalIgnoreCase))
            {
                op = FilterOperator.In;
                if (i >= tokens.Count || tokens[i].Text != "(") throw Error(text, at, "expected '(' after in");
                i++;
                while (true)
                {
                    values.Add(Value(tokens, ref i, text, at));
                    if (i < tokens.Count && tokens[i].Text == ",") { i++; continue; }
                    if (i < tokens.Count && tokens[i].Text == ")") { i++; break; }
                    throw Error(text, at, "expected ',' or ')' in the list");
                }
            }
            else
            {
                op = opToken.Text switch
                {
                    "=" => FilterOperator.Eq,
                    "!=" or "<>" => FilterOperator.Ne,
                    "<" => FilterOperator.Lt,
                    "<=" => FilterOperator.Le,
                    ">" => FilterOperator.Gt,
                    ">=" => FilterOperator.Ge,
                    _ => throw Error(text, at, $"'{opToken.Text}' is not an operator (use = != < <= > >= or in)"),
                };
                values.Add(Value(tokens, ref i, text, at));
            }
            conditions.Add(new RowCondition(column, op, values));
            if (i >= tokens.Count) break;
            if (tokens[i].Kind == "word" && tokens[i].Text.Equals("and", StringComparison.OrdinalIgnoreCase)) { i++; continue; }
            throw Error(text, at, $"expected 'and' or the end, found '{tokens[i].Text}' (only conditions joined by 'and' are allowed)");
        }
        return new RowFilter(text, conditions, at);
    }

    private static RowFilterValue Value(List<(string Kind, string Text)> tokens, ref int i, string text, SourceLocation at)
    {
        if (i >= tokens.Count) throw Error(text, at, "expected a value");
        var (kind, value) = tokens[i++];
        return kind switch
        {
            "attr" => new RowFilterValue(value, null),
            "str" => new RowFilterValue(null, value[1..^1].Replace("''", "'", StringComparison.Ordinal)),
            "num" => new RowFilterValue(null, value),
            _ => throw Error(text, at, $"expected {{{{ principal.attribute }}}}, a number or a 'string', found '{value}'"),
        };
    }

    private static List<(string Kind, string Text)> Tokenize(string text, SourceLocation at)
    {
        var tokens = new List<(string, string)>();
        var position = 0;
        while (position < text.Length)
        {
            var match = TokenRegex().Match(text, position);
            if (!match.Success || match.Length == 0)
            {
                if (string.IsNullOrWhiteSpace(text[position..])) break;
                throw Error(text, at, $"cannot read '{text[position..]}'");
            }
            foreach (var kind in new[] { "attr", "str", "num", "op", "punct", "word" })
            {
                if (!match.Groups[kind].Success) continue;
                tokens.Add((kind, kind == "attr" ? match.Groups["name"].Value : match.Groups[kind].Value));
                break;
            }
            position = match.Index + match.Length;
        }
        return tokens;
    }

    private static RowFilterException Error(string text, SourceLocation at, string message) => new(at, $"row filter \"{text}\": {message}");
}

/// <summary>A row filter that cannot be read; the loader turns it into a diagnostic.</summary>
public sealed class RowFilterException(SourceLocation at, string message) : LadleException(message)
{
    public SourceLocation Location { get; } = at;
    public override string Kind => "invalid-project";
    public override ErrorCategory Category => ErrorCategory.QueryFailed;
}
