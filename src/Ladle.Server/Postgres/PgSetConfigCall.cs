using System.Globalization;

namespace Ladle.Server.Postgres;

/// <summary>
/// A statement that is exactly <c>SELECT [pg_catalog.]set_config(name, value, is_local) [[AS] alias]</c>, each argument a
/// constant or a $n: the session runs it as SET (the engine holds no session parameters), as pg_dump, pgjdbc and ORMs
/// send it. A call inside a larger statement only answers its value.
/// </summary>
internal sealed record PgSetConfigCall(PgCallArgument Name, PgCallArgument Value, PgCallArgument IsLocal, string Column)
{
    /// <summary>The call <paramref name="tokens"/> make, or null when they are any other statement.</summary>
    public static PgSetConfigCall? TryRead(IReadOnlyList<PgToken> tokens)
    {
        var i = 0;
        if (!At(tokens, i++, t => t.IsWord("select"))) return null;
        if (At(tokens, i, t => t.IsWord("pg_catalog")) && At(tokens, i + 1, t => t.IsSymbol('.'))) i += 2;
        if (!At(tokens, i++, t => t.IsWord("set_config")) || !At(tokens, i++, t => t.IsSymbol('('))) return null;
        var arguments = new PgCallArgument[3];
        for (var a = 0; a < 3; a++)
        {
            if (!At(tokens, i, IsArgument)) return null;
            arguments[a] = new PgCallArgument(tokens[i++]);
            if (!At(tokens, i++, t => t.IsSymbol(a < 2 ? ',' : ')'))) return null;
        }

        var column = "set_config";
        if (At(tokens, i, t => t.IsWord("as"))) i++;
        if (At(tokens, i, t => t.Kind is PgTokenKind.Word or PgTokenKind.QuotedIdentifier)) column = tokens[i++].Value;
        return i == tokens.Count ? new PgSetConfigCall(arguments[0], arguments[1], arguments[2], column) : null;
    }

    private static bool IsArgument(PgToken token) =>
        token.Kind is PgTokenKind.String or PgTokenKind.Parameter or PgTokenKind.Number
        || token.Kind == PgTokenKind.Word && token.Value is "true" or "false" or "null";

    private static bool At(IReadOnlyList<PgToken> tokens, int i, Func<PgToken, bool> test) => i < tokens.Count && test(tokens[i]);
}

/// <summary>One argument of a call as written: a constant, or a $n whose bound value is read at execution.</summary>
internal readonly record struct PgCallArgument(PgToken Token)
{
    /// <summary>The argument's value as text (null for NULL, or an unbound $n).</summary>
    public string? Text(IReadOnlyList<object?>? parameters)
    {
        if (Token.Kind == PgTokenKind.Word) return Token.Value == "null" ? null : Token.Value;
        if (Token.Kind != PgTokenKind.Parameter) return Token.Value;
        var n = int.Parse(Token.Value, CultureInfo.InvariantCulture);
        return parameters is null || n < 1 || n > parameters.Count ? null : parameters[n - 1] switch
        {
            null => null,
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var other => other.ToString(),
        };
    }
}
