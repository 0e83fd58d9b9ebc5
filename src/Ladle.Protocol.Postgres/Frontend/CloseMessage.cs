namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>Close ('C'): drop a prepared statement or a portal.</summary>
public sealed class CloseMessage(TargetKind target, string name) : FrontendMessage
{
    public override FrontendMessageType Type => FrontendMessageType.Close;

    /// <summary>Statement or portal.</summary>
    public TargetKind Target { get; } = target;

    /// <summary>Its name; empty for the unnamed one.</summary>
    public string Name { get; } = name;
}
