namespace Ladle.Protocol.Postgres;

/// <summary>
/// Hard limits on every length the peer claims. A frame over a limit is refused before its bytes are buffered, and
/// nothing is allocated in proportion to a claimed length until that many bytes are actually present.
/// </summary>
public sealed record PgProtocolLimits
{
    /// <summary>The defaults: 1 MiB messages, 16 MiB Bind, 65535 parameters, 10000-byte start-up packets.</summary>
    public static PgProtocolLimits Default { get; } = new();

    /// <summary>Largest typed message, length word included (Query, Parse, CopyData, …).</summary>
    public int MaxMessageSize { get; init; } = 1 << 20;

    /// <summary>Largest Bind message: it carries the parameter values, so it may be larger than the rest.</summary>
    public int MaxBindMessageSize { get; init; } = 16 << 20;

    /// <summary>Most parameters in a Parse or Bind; the protocol's own ceiling is 65535 (an Int16 count).</summary>
    public int MaxParameters { get; init; } = 65535;

    /// <summary>Longest string (query text, names, error text) in bytes, without its terminator.</summary>
    public int MaxStringLength { get; init; } = 1 << 20;

    /// <summary>Largest start-up packet; PostgreSQL's own MAX_STARTUP_PACKET_LENGTH is 10000.</summary>
    public int MaxStartupPacketSize { get; init; } = 10000;

    /// <summary>Most name/value pairs in a StartupMessage.</summary>
    public int MaxStartupParameters { get; init; } = 64;
}
