using System.Net;
using Ladle.Engine;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Postgres;

/// <summary>Binds the wire-protocol listener beside HTTP on the one Kestrel, when <c>--pg</c> or <c>server.postgres.listen</c> asks for it.</summary>
internal static class PgListenerSetup
{
    /// <summary>
    /// Listens on HTTP and, if configured, on the wire protocol. Kestrel takes either URLs or explicit endpoints, not
    /// both, so with the wire protocol HTTP is bound explicitly too.
    /// </summary>
    public static void Listen(WebApplicationBuilder builder, LadleEngine engine, LadleServerOptions options, ListenAddress http)
    {
        var pgText = options.Postgres ?? engine.Project.Server.Postgres.Listen;
        if (pgText is null)
        {
            builder.WebHost.UseUrls(http.ToUrl());
            return;
        }
        var settings = engine.Project.Server.Postgres;
        var certificate = PgTlsCertificate.Load(settings.Tls, Path.GetDirectoryName(engine.Project.StatePath)!, TimeProvider.System);
        var listener = new PgListener(ListenAddress.Parse(pgText), settings, certificate, options.Dev);
        builder.Services.AddSingleton(listener);
        builder.Services.AddSingleton<PgCancelRegistry>();
        // The socket transport keeps its defaults, shared with HTTP: a wire frame larger than its buffer is gathered by the session (PgLargeFrame).
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (string.Equals(http.Host, "localhost", StringComparison.OrdinalIgnoreCase) && http.Port != 0) kestrel.ListenLocalhost(http.Port);
            else kestrel.Listen(PgListener.IPAddressOf(http.Host), http.Port);
            kestrel.Listen(PgListener.IPAddressOf(listener.Address.Host), listener.Address.Port, endpoint =>
            {
                endpoint.Protocols = HttpProtocols.None;
                endpoint.UseConnectionHandler<PgConnectionHandler>();
                listener.Bound = endpoint;
            });
        });
    }

    /// <summary>The HTTP address among the bound ones (the wire protocol's is the other).</summary>
    public static string? HttpUrl(IEnumerable<string> addresses, PgListener? listener)
    {
        if (listener is null) return addresses.FirstOrDefault();
        var pgPort = listener.EndPoint.Port;
        return addresses.FirstOrDefault(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) && uri.Port != pgPort);
    }
}
