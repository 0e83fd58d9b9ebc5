using Ladle.Engine.Results;

namespace Ladle.Server.Postgres;

/// <summary>What a statement is to the session: nothing, a query for the pipeline, a COPY export, or a session command.</summary>
internal enum PgStatementKind
{
    Empty,
    Query,
    Copy,
    Session,
}

/// <summary>
/// One statement as the session holds it (a prepared statement of the extended protocol, or one statement of a
/// simple query): its text and tokens, its kind, its parameters' types (the client's, else the engine's inferred
/// ones once described) and, once described, its columns.
/// </summary>
internal sealed class PgWireStatement
{
    private static readonly HashSet<string> SessionWords =
        ["begin", "start", "commit", "end", "rollback", "abort", "set", "reset", "discard", "deallocate", "savepoint", "release"];

    private PgWireStatement(string sql, List<PgToken> tokens, PgStatementKind kind, uint[] parameterTypes, PgCopyCommand? copy, PgSetConfigCall? setConfig)
    {
        SetConfig = setConfig;
        Sql = sql;
        Tokens = tokens;
        Kind = kind;
        ParameterTypes = parameterTypes;
        Copy = copy;
    }

    public string Sql { get; }

    public List<PgToken> Tokens { get; }

    public PgStatementKind Kind { get; }

    /// <summary>The first word, lower-cased (the command), or "".</summary>
    public string Command => Tokens.Count > 0 && Tokens[0].Kind == PgTokenKind.Word ? Tokens[0].Value : "";

    /// <summary>One type OID per parameter; 0 where neither the client nor (yet) the engine said.</summary>
    public uint[] ParameterTypes { get; }

    /// <summary>True once the engine's inferred types have filled the parameters the client left unspecified.</summary>
    public bool ParametersInferred { get; set; }

    /// <summary>The columns the engine described (null until described).</summary>
    public IReadOnlyList<ResultColumn>? Columns { get; set; }

    /// <summary>A statement that is only a set_config call, which the session runs (a <see cref="PgStatementKind.Session"/> statement).</summary>
    public PgSetConfigCall? SetConfig { get; }

    /// <summary>The COPY export, for <see cref="PgStatementKind.Copy"/>.</summary>
    public PgCopyCommand? Copy { get; }

    /// <summary>The SQL the pipeline runs: the statement, or a COPY's query.</summary>
    public string Query => Copy?.Query ?? Sql;

    /// <summary>Reads <paramref name="sql"/> (one statement) with the parameter types the client fixed.</summary>
    public static PgWireStatement Prepare(string sql, IReadOnlyList<uint> specifiedTypes, PgWireSettings settings)
    {
        var tokens = PgWireSql.Tokenize(sql);
        // A trailing ';' is part of no statement (Parse may carry one).
        while (tokens.Count > 0 && tokens[^1].IsSymbol(';')) tokens.RemoveAt(tokens.Count - 1);
        if (tokens.Any(t => t.IsSymbol(';')))
            throw new PgWireException(PgErrors.SyntaxError, "cannot insert multiple commands into a prepared statement");
        var count = Math.Max(PgWireSql.CountParameters(tokens), specifiedTypes.Count);
        var types = new uint[count];
        for (var i = 0; i < specifiedTypes.Count; i++) types[i] = specifiedTypes[i];
        var text = tokens.Count == 0 ? "" : sql[tokens[0].Start..tokens[^1].End];
        var setConfig = tokens.Count > 0 && tokens[0].IsWord("select") ? PgSetConfigCall.TryRead(tokens) : null;
        var kind = setConfig is not null ? PgStatementKind.Session : KindOf(tokens, settings);
        var copy = kind == PgStatementKind.Copy ? PgCopyCommand.Parse(text, tokens) : null;
        return new PgWireStatement(text, tokens, kind, types, copy, setConfig);
    }

    private static PgStatementKind KindOf(List<PgToken> tokens, PgWireSettings settings)
    {
        if (tokens.Count == 0) return PgStatementKind.Empty;
        var first = tokens[0];
        if (first.Kind != PgTokenKind.Word) return PgStatementKind.Query;
        if (first.Value == "copy") return PgStatementKind.Copy;
        if (SessionWords.Contains(first.Value)) return PgStatementKind.Session;
        if (first.Value == "show" && tokens.Count > 1)
        {
            // SHOW of a session parameter is the session's; anything else (DuckDB's SHOW TABLES) is a query.
            var second = tokens[1];
            if (second.IsWord("transaction") || second.IsWord("time") || second.IsWord("session")) return PgStatementKind.Session;
            var name = tokens.Count > 3 && tokens[2].IsSymbol('.') ? $"{second.Value}.{tokens[3].Value}" : second.Value;
            if (settings.Knows(name) || name.Contains('.', StringComparison.Ordinal)) return PgStatementKind.Session;
        }

        return PgStatementKind.Query;
    }
}
