namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>Describe ('D'): ask for a statement's parameter and row description, or a portal's row description.</summary>
public sealed class DescribeMessage(TargetKind target, string name) : FrontendMessage
{
    public override FrontendMessageType Type => FrontendMessageType.Describe;

    /// <summary>Statement or portal.</summary>
    public TargetKind Target { get; } = target;

    /// <summary>Its name; empty for the unnamed one.</summary>
    public string Name { get; } = name;
}
