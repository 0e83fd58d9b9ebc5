using Ladle.Engine.Access;

namespace Ladle.Server.Hosting;

/// <summary>How to run the server: where to listen and whether anonymous local access is allowed.</summary>
public sealed record LadleServerOptions
{
    /// <summary>host:port to listen on; null takes the project's server.http.</summary>
    public string? Http { get; init; }

    /// <summary>host:port for the PostgreSQL wire protocol (<c>--pg</c>); null takes the project's server.postgres.listen, if any.</summary>
    public string? Postgres { get; init; }

    /// <summary>Allow unauthenticated requests (local development only).</summary>
    public bool Dev { get; init; }

    /// <summary>Retries and timeouts of alert delivery; null takes the defaults (5 attempts, 1s doubling).</summary>
    public Ladle.Engine.Alerts.AlertDeliveryOptions? AlertDelivery { get; init; }

    /// <summary>The clock online features answer "now" by (TTL is relative to it); tests pass a fake one. Null: the system clock.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>How long a web UI sign-in session lasts without use and at most; null takes 12 hours and 7 days.</summary>
    public WebSessionLifetime? WebSessions { get; init; }
}
