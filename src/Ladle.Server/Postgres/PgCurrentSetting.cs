using System.Text;

namespace Ladle.Server.Postgres;

/// <summary>
/// current_setting('name') answers the session's run-time parameters, which the session holds, not the engine: before
/// a statement runs, each call naming a parameter the session knows by a constant gets the session's value as a third
/// argument, <c>current_setting('name', missing_ok, 'value')</c>, which the catalog's macro answers; so it reads what
/// SET or set_config made it, as in PostgreSQL. A custom (dotted) parameter never set is 42704, or NULL with
/// missing_ok. A call whose name is computed reads the server's defaults (pg_settings).
/// </summary>
internal static class PgCurrentSetting
{
    private const string Function = "current_setting";

    /// <summary><paramref name="sql"/> with the session's values given to its current_setting calls (the same text when it has none).</summary>
    public static string Inline(string sql, PgWireSettings settings)
    {
        if (!sql.Contains(Function, StringComparison.OrdinalIgnoreCase)) return sql;
        var tokens = PgWireSql.Tokenize(sql);
        StringBuilder? text = null;
        var copied = 0;
        for (var i = 0; i + 3 < tokens.Count; i++)
        {
            if (!tokens[i].IsWord(Function) || !tokens[i + 1].IsSymbol('(') || tokens[i + 2].Kind != PgTokenKind.String) continue;
            // Only PostgreSQL's own: pg_catalog.current_setting or unqualified.
            if (i >= 2 && tokens[i - 1].IsSymbol('.') && !tokens[i - 2].IsWord("pg_catalog")) continue;
            int close;
            bool missingOk;
            if (tokens[i + 3].IsSymbol(')'))
            {
                (close, missingOk) = (i + 3, false);
            }
            else if (i + 5 < tokens.Count && tokens[i + 3].IsSymbol(',') && Flag(tokens[i + 4]) is { } flag && tokens[i + 5].IsSymbol(')'))
            {
                (close, missingOk) = (i + 5, flag);
            }
            else
            {
                continue;
            }

            var name = tokens[i + 2].Value;
            string? value;
            if (settings.Knows(name)) value = settings.Get(name).Value;
            else if (name.Contains('.', StringComparison.Ordinal)) value = missingOk ? null : settings.Get(name).Value;
            else continue;

            text ??= new StringBuilder(sql.Length + 64);
            text.Append(sql, copied, tokens[i + 2].Start - copied)
                .Append(Literal(name)).Append(", ").Append(missingOk ? "true" : "false").Append(", ").Append(value is null ? "NULL" : Literal(value)).Append(')');
            copied = tokens[close].End;
            i = close;
        }

        return text is null ? sql : text.Append(sql, copied, sql.Length - copied).ToString();
    }

    private static bool? Flag(PgToken token) => token.Kind switch
    {
        PgTokenKind.Word when token.Value is "true" or "false" => token.Value == "true",
        PgTokenKind.String => PgWireSettings.IsTrue(token.Value),
        _ => null,
    };

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
