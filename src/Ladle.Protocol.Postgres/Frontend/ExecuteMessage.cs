namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>Execute ('E'): run a portal, returning at most <see cref="MaxRows"/> rows (0 = no limit).</summary>
public sealed class ExecuteMessage(string portalName, int maxRows) : FrontendMessage
{
    public override FrontendMessageType Type => FrontendMessageType.Execute;

    /// <summary>The portal; empty for the unnamed portal.</summary>
    public string PortalName { get; } = portalName;

    /// <summary>The row limit; zero or negative means no limit, as in PostgreSQL.</summary>
    public int MaxRows { get; } = maxRows;
}
