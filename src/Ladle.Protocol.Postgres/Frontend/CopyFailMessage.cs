namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>CopyFail ('f') from the client: it aborts COPY FROM STDIN, saying why.</summary>
public sealed class CopyFailMessage(string reason) : FrontendMessage
{
    public override FrontendMessageType Type => FrontendMessageType.CopyFail;

    /// <summary>The client's reason.</summary>
    public string Reason { get; } = reason;
}
