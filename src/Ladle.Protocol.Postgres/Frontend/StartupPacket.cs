namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>A packet of the start-up family: no type byte, a length then a 32-bit code.</summary>
public abstract class StartupPacket
{
    /// <summary>The request code of SSLRequest (1234.5679).</summary>
    public const int SslRequestCode = 80877103;

    /// <summary>The request code of GSSENCRequest (1234.5680).</summary>
    public const int GssEncRequestCode = 80877104;

    /// <summary>The request code of CancelRequest (1234.5678).</summary>
    public const int CancelRequestCode = 80877102;
}
