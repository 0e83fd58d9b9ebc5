namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>Simple query ('Q'): one string that may hold several statements.</summary>
public sealed class QueryMessage(string sql) : FrontendMessage
{
    public override FrontendMessageType Type => FrontendMessageType.Query;

    /// <summary>The query text as sent.</summary>
    public string Sql { get; } = sql;
}
