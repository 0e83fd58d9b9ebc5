namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>CopyDone ('c') from the client: end of COPY FROM STDIN data.</summary>
public sealed class CopyDoneMessage : FrontendMessage
{
    /// <summary>The one instance: the message has no body.</summary>
    public static CopyDoneMessage Instance { get; } = new();

    public override FrontendMessageType Type => FrontendMessageType.CopyDone;
}
