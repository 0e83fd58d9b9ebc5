using System.Globalization;
using System.Text;

namespace Ladle.Core.Semantic;

/// <summary>
/// The arithmetic of a derived metric (<c>(revenue - revenue_last_month) / revenue_last_month</c>), parsed once at
/// load: numbers, metric names, + - * /, parentheses and a few functions. It is rendered into SQL by Ladle, never
/// spliced as written, so a division is always safe (by zero gives null) in every engine.
/// </summary>
public sealed class MetricExpression
{
    private static readonly HashSet<string> Functions = new(StringComparer.OrdinalIgnoreCase) { "abs", "coalesce", "greatest", "least", "round", "nullif" };

    private readonly Node _root;

    private MetricExpression(string text, Node root, IReadOnlyList<string> names)
    {
        Text = text;
        _root = root;
        Names = names;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>The metric names (or input aliases) it uses, each once, in order of appearance.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The functions an expression may call, for error messages.</summary>
    public static string AllowedFunctions => string.Join(", ", Functions.Order(StringComparer.Ordinal));

    /// <summary>Parses <paramref name="text"/>; on failure, says what is wrong and at which character (1-based).</summary>
    public static bool TryParse(string text, out MetricExpression? expression, out string? error, out int errorAt)
    {
        expression = null;
        var parser = new Parser(text);
        try
        {
            var root = parser.ParseAll();
            expression = new MetricExpression(text, root, parser.Names);
            error = null;
            errorAt = 0;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            errorAt = parser.ErrorAt + 1;
            return false;
        }
    }

    /// <summary>SQL for the expression; <paramref name="name"/> gives the SQL of each name (a double-typed value).</summary>
    public string ToSql(Func<string, string> name)
    {
        var sql = new StringBuilder();
        Write(_root, sql, name);
        return sql.ToString();
    }

    private static void Write(Node node, StringBuilder sql, Func<string, string> name)
    {
        switch (node)
        {
            case NumberNode n: sql.Append(n.Text); break;
            case NameNode n: sql.Append(name(n.Name)); break;
            case UnaryNode u:
                sql.Append("(-");
                Write(u.Operand, sql, name);
                sql.Append(')');
                break;
            case BinaryNode b when b.Op == '/':
                sql.Append('(');
                Write(b.Left, sql, name);
                sql.Append(" / NULLIF(");
                Write(b.Right, sql, name);
                sql.Append(", 0))");
                break;
            case BinaryNode b:
                sql.Append('(');
                Write(b.Left, sql, name);
                sql.Append(' ').Append(b.Op).Append(' ');
                Write(b.Right, sql, name);
                sql.Append(')');
                break;
            case CallNode c:
                sql.Append(c.Function.ToLowerInvariant()).Append('(');
                for (var i = 0; i < c.Arguments.Count; i++)
                {
                    if (i > 0) sql.Append(", ");
                    Write(c.Arguments[i], sql, name);
                }
                sql.Append(')');
                break;
        }
    }

    private abstract record Node;
    private sealed record NumberNode(string Text) : Node;
    private sealed record NameNode(string Name) : Node;
    private sealed record UnaryNode(Node Operand) : Node;
    private sealed record BinaryNode(char Op, Node Left, Node Right) : Node;
    private sealed record CallNode(string Function, IReadOnlyList<Node> Arguments) : Node;

    /// <summary>Recursive descent: sum := product (('+'|'-') product)*; product := unary (('*'|'/') unary)*.</summary>
    private sealed class Parser(string text)
    {
        private int _at;
        private readonly List<string> _names = [];

        public int ErrorAt { get; private set; }
        public IReadOnlyList<string> Names => _names;

        public Node ParseAll()
        {
            if (string.IsNullOrWhiteSpace(text)) Fail(0, "the expression is empty");
            var node = Sum();
            Skip();
            if (_at < text.Length) Fail(_at, $"unexpected '{text[_at]}'");
            return node;
        }

        private Node Sum()
        {
            var left = Product();
            while (true)
            {
                Skip();
                if (_at < text.Length && text[_at] is '+' or '-')
                {
                    var op = text[_at++];
                    left = new BinaryNode(op, left, Product());
                }
                else return left;
            }
        }

        private Node Product()
        {
            var left = Unary();
            while (true)
            {
                Skip();
                if (_at < text.Length && text[_at] is '*' or '/')
                {
                    var op = text[_at++];
                    left = new BinaryNode(op, left, Unary());
                }
                else return left;
            }
        }

        private Node Unary()
        {
            Skip();
            if (_at < text.Length && text[_at] == '-')
            {
                _at++;
                return new UnaryNode(Unary());
            }
            if (_at < text.Length && text[_at] == '+')
            {
                _at++;
                return Unary();
            }
            return Primary();
        }

        private Node Primary()
        {
            Skip();
            if (_at >= text.Length) Fail(_at, "the expression ends too early");
            var c = text[_at];
            if (c == '(')
            {
                _at++;
                var inner = Sum();
                Expect(')');
                return inner;
            }
            if (char.IsAsciiDigit(c) || c == '.')
            {
                var start = _at;
                while (_at < text.Length && (char.IsAsciiDigit(text[_at]) || text[_at] == '.')) _at++;
                var number = text[start.._at];
                if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) Fail(start, $"'{number}' is not a number");
                return new NumberNode(number);
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = _at;
                while (_at < text.Length && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] == '_')) _at++;
                var word = text[start.._at];
                Skip();
                if (_at < text.Length && text[_at] == '(')
                {
                    if (!Functions.Contains(word)) Fail(start, $"unknown function '{word}' (functions: {AllowedFunctions})");
                    _at++;
                    var args = new List<Node>();
                    Skip();
                    if (_at < text.Length && text[_at] == ')') _at++;
                    else
                    {
                        while (true)
                        {
                            args.Add(Sum());
                            Skip();
                            if (_at < text.Length && text[_at] == ',') { _at++; continue; }
                            Expect(')');
                            break;
                        }
                    }
                    if (args.Count == 0) Fail(start, $"{word}() needs arguments");
                    return new CallNode(word, args);
                }
                if (!_names.Contains(word, StringComparer.OrdinalIgnoreCase)) _names.Add(word);
                return new NameNode(word);
            }
            Fail(_at, $"unexpected '{c}' (expressions use metric names, numbers, + - * / and parentheses)");
            return null!;
        }

        private void Expect(char c)
        {
            Skip();
            if (_at >= text.Length || text[_at] != c) Fail(_at, $"expected '{c}'");
            _at++;
        }

        private void Skip()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }

        private void Fail(int at, string message)
        {
            ErrorAt = at;
            throw new FormatException(message);
        }
    }
}
