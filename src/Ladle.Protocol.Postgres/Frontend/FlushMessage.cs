namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>Flush ('H'): send what is pending without ending the batch.</summary>
public sealed class FlushMessage : FrontendMessage
{
    /// <summary>The one instance: the message has no body.</summary>
    public static FlushMessage Instance { get; } = new();

    public override FrontendMessageType Type => FrontendMessageType.Flush;
}
