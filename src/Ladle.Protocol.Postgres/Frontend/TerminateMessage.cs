namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>Terminate ('X'): the client is closing the connection.</summary>
public sealed class TerminateMessage : FrontendMessage
{
    /// <summary>The one instance: the message has no body.</summary>
    public static TerminateMessage Instance { get; } = new();

    public override FrontendMessageType Type => FrontendMessageType.Terminate;
}
