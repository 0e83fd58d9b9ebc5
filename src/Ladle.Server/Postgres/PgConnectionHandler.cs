using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Postgres;

/// <summary>
/// Kestrel's entry for wire-protocol connections: each connection runs start-up, TLS and authentication
/// (<see cref="PgConnection"/>), then its <see cref="PgSession"/>, until it ends or the server stops.
/// </summary>
public sealed class PgConnectionHandler(
    PgListener listener, PgCancelRegistry cancels, ReadPipeline pipeline, TokenService tokens, RateLimits limits, IAuditSink audit,
    IHostApplicationLifetime lifetime, ILoggerFactory loggers) : ConnectionHandler
{
    private readonly ILogger _logger = loggers.CreateLogger("Ladle.Postgres");

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        listener.Opened();
        try
        {
            // Not linked to ConnectionClosed, which fires as soon as the client stops sending: what it sent before is
            // still answered (and a frame it left unfinished is an error it hears about); its statements stop with it.
            var pg = new PgConnection(listener, cancels, pipeline, tokens, limits, audit, _logger, connection, lifetime.ApplicationStopping);
            await pg.RunAsync(lifetime.ApplicationStopping);
        }
        finally
        {
            listener.Closed();
        }
    }
}
