namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>Parse ('P'): prepare a statement, with the parameter type OIDs the client fixed (0 = infer).</summary>
public sealed class ParseMessage(string statementName, string sql, uint[] parameterTypeOids) : FrontendMessage
{
    public override FrontendMessageType Type => FrontendMessageType.Parse;

    /// <summary>The statement name; empty for the unnamed statement.</summary>
    public string StatementName { get; } = statementName;

    /// <summary>The query text.</summary>
    public string Sql { get; } = sql;

    /// <summary>One OID per parameter the client specified; 0 leaves the type to the server.</summary>
    public IReadOnlyList<uint> ParameterTypeOids { get; } = parameterTypeOids;
}
