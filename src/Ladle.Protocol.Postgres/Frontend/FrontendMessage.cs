namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>A parsed typed front-end message; one sealed subclass per message.</summary>
public abstract class FrontendMessage
{
    /// <summary>The message's type byte.</summary>
    public abstract FrontendMessageType Type { get; }
}
