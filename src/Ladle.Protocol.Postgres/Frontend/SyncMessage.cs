namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>Sync ('S'): end of an extended-query batch; the server answers ReadyForQuery.</summary>
public sealed class SyncMessage : FrontendMessage
{
    /// <summary>The one instance: the message has no body.</summary>
    public static SyncMessage Instance { get; } = new();

    public override FrontendMessageType Type => FrontendMessageType.Sync;
}
