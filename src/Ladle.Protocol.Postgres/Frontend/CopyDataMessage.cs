namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>CopyData ('d') from the client: a chunk of COPY FROM STDIN data (Ladle parses it only to refuse it).</summary>
public sealed class CopyDataMessage(ReadOnlyMemory<byte> data) : FrontendMessage
{
    public override FrontendMessageType Type => FrontendMessageType.CopyData;

    /// <summary>The chunk's bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;
}
