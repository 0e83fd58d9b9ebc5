using Ladle.Protocol.Postgres;

namespace Ladle.Server.Postgres;

/// <summary>
/// A COPY statement read as the export it may be: <c>COPY (query) TO STDOUT</c> or <c>COPY table [(columns)] TO
/// STDOUT</c>, with the options of either syntax (<c>WITH (FORMAT csv, HEADER)</c> or <c>WITH CSV HEADER</c>,
/// <c>BINARY</c>, DELIMITER, NULL, QUOTE, ESCAPE). Copying into Ladle or to a server-side file is refused.
/// </summary>
internal sealed record PgCopyCommand(string Query, PgCopyOptions Options)
{
    public static PgCopyCommand Parse(string sql, List<PgToken> tokens)
    {
        // tokens[0] is COPY.
        var i = 1;
        string query;
        if (i < tokens.Count && tokens[i].IsSymbol('('))
        {
            var close = Matching(tokens, i);
            query = sql[tokens[i].End..tokens[close].Start].Trim();
            i = close + 1;
        }
        else
        {
            var start = i;
            while (i < tokens.Count && !tokens[i].IsWord("to") && !tokens[i].IsWord("from") && !tokens[i].IsSymbol('(')) i++;
            if (i == start) throw Syntax("COPY needs a table or a (query) after it");
            var table = sql[tokens[start].Start..tokens[i - 1].End];
            var columns = "*";
            if (i < tokens.Count && tokens[i].IsSymbol('('))
            {
                var close = Matching(tokens, i);
                columns = sql[tokens[i].End..tokens[close].Start].Trim();
                i = close + 1;
            }

            query = $"SELECT {columns} FROM {table}";
        }

        if (i < tokens.Count && tokens[i].IsWord("from"))
            throw new PgWireException(PgErrors.ReadOnlySqlTransaction, "COPY FROM is not accepted: Ladle serves data read-only",
                hint: "load data through a dataset's source; COPY (query) TO STDOUT exports");
        if (i >= tokens.Count || !tokens[i].IsWord("to")) throw Syntax("COPY needs TO STDOUT");
        i++;
        if (i >= tokens.Count || !tokens[i].IsWord("stdout"))
            throw new PgWireException(PgErrors.InsufficientPrivilege, "COPY to a file or a program is not allowed: Ladle sends data only to the client",
                hint: "use COPY (query) TO STDOUT, or psql's \\copy (query) TO 'file'");
        i++;
        return new PgCopyCommand(query, ReadOptions(tokens, i));
    }

    private static PgCopyOptions ReadOptions(List<PgToken> tokens, int i)
    {
        if (i < tokens.Count && tokens[i].IsWord("with")) i++;
        var kind = PgCopyKind.Text;
        bool? header = null;
        char? delimiter = null, quote = null, escape = null;
        string? nullText = null;
        if (i < tokens.Count && tokens[i].IsSymbol('('))
        {
            var close = Matching(tokens, i);
            i++;
            while (i < close)
            {
                var name = Word(tokens, i++);
                var value = i < close && !tokens[i].IsSymbol(',') ? tokens[i++] : (PgToken?)null;
                switch (name)
                {
                    case "format":
                        kind = (value?.Value.ToLowerInvariant()) switch
                        {
                            "text" => PgCopyKind.Text,
                            "csv" => PgCopyKind.Csv,
                            "binary" => PgCopyKind.Binary,
                            _ => throw new PgWireException(PgSqlState.InvalidParameterValue, $"COPY format \"{value?.Value}\" not recognized", hint: "use text, csv or binary"),
                        };
                        break;
                    case "header": header = value is not { } given || Bool(given.Value); break;
                    case "delimiter": delimiter = Char(value, name); break;
                    case "quote": quote = Char(value, name); break;
                    case "escape": escape = Char(value, name); break;
                    case "null": nullText = value?.Value ?? throw Syntax("NULL needs a string"); break;
                    case "encoding":
                        if (value?.Value.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant() is not ("UTF8" or "UNICODE"))
                            throw new PgWireException(PgSqlState.InvalidParameterValue, "COPY encoding must be UTF8: Ladle speaks UTF8 only");
                        break;
                    case "force_quote" or "force_not_null" or "force_null" or "freeze" or "default": break;
                    default: throw new PgWireException(PgSqlState.InvalidParameterValue, $"option \"{name}\" not recognized");
                }

                if (i < close && tokens[i].IsSymbol(',')) i++;
            }

            i = close + 1;
        }
        else
        {
            // The syntax before PostgreSQL 9.0, which older clients still send: WITH BINARY, WITH CSV HEADER, DELIMITER AS ','.
            while (i < tokens.Count)
            {
                var word = Word(tokens, i++);
                if (i < tokens.Count && tokens[i].IsWord("as")) i++;
                switch (word)
                {
                    case "binary": kind = PgCopyKind.Binary; break;
                    case "csv": kind = PgCopyKind.Csv; break;
                    case "header": header = true; break;
                    case "delimiter": delimiter = Char(tokens.ElementAtOrDefault(i++), word); break;
                    case "null": nullText = tokens.ElementAtOrDefault(i++).Value ?? ""; break;
                    case "quote": quote = Char(tokens.ElementAtOrDefault(i++), word); break;
                    case "escape": escape = Char(tokens.ElementAtOrDefault(i++), word); break;
                    case "force":
                        // FORCE QUOTE columns|*: every value is quoted as needed anyway.
                        while (i < tokens.Count && !tokens[i].IsSymbol(';')) i++;
                        break;
                    default: throw Syntax($"unexpected \"{word}\" in COPY options");
                }
            }
        }

        if (i < tokens.Count) throw Syntax("unexpected text after the COPY options");
        if (header == true && kind == PgCopyKind.Text) throw new PgWireException(PgSqlState.FeatureNotSupported, "COPY HEADER is available only in CSV mode here");
        var defaults = PgCopyOptions.Default(kind);
        return defaults with
        {
            Header = header ?? false,
            Delimiter = delimiter ?? defaults.Delimiter,
            Null = nullText ?? defaults.Null,
            Quote = quote ?? defaults.Quote,
            Escape = escape ?? quote ?? defaults.Escape,
        };
    }

    private static int Matching(List<PgToken> tokens, int open)
    {
        var depth = 0;
        for (var i = open; i < tokens.Count; i++)
        {
            if (tokens[i].IsSymbol('(')) depth++;
            else if (tokens[i].IsSymbol(')') && --depth == 0) return i;
        }

        throw Syntax("unbalanced parentheses in COPY");
    }

    private static string Word(List<PgToken> tokens, int i) =>
        tokens[i].Kind is PgTokenKind.Word or PgTokenKind.QuotedIdentifier ? tokens[i].Value.ToLowerInvariant() : throw Syntax($"unexpected \"{tokens[i].Value}\" in COPY options");

    private static bool Bool(string value) => value.ToLowerInvariant() switch
    {
        "true" or "on" or "1" or "yes" => true,
        "false" or "off" or "0" or "no" => false,
        _ => throw new PgWireException(PgSqlState.InvalidParameterValue, $"COPY option \"header\" takes a Boolean value, not \"{value}\""),
    };

    private static char Char(PgToken? token, string option) =>
        token is { Kind: PgTokenKind.String, Value.Length: 1 } t ? t.Value[0]
            : throw new PgWireException(PgSqlState.FeatureNotSupported, $"COPY {option} must be a single one-byte character");

    private static PgWireException Syntax(string message) => new(PgErrors.SyntaxError, message);
}
