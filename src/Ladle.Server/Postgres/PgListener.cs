using System.Net;
using System.Security.Cryptography.X509Certificates;
using Ladle.Core.Model;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Ladle.Server.Postgres;

/// <summary>
/// The PostgreSQL wire-protocol listener as configured (<c>server.postgres:</c>, <c>--pg</c>) and, once the server
/// started, bound: Kestrel accepts its connections and hands each to <see cref="PgConnectionHandler"/>.
/// </summary>
public sealed class PgListener : IDisposable
{
    internal PgListener(ListenAddress address, PostgresSettings settings, X509Certificate2? certificate, bool dev)
    {
        Address = address;
        Settings = settings;
        Certificate = certificate;
        Dev = dev;
    }

    /// <summary>Where it was asked to listen.</summary>
    public ListenAddress Address { get; }

    /// <summary>TLS, require_tls and how passwords are asked for.</summary>
    public PostgresSettings Settings { get; }

    /// <summary>The TLS certificate; null when TLS is off (SSLRequest is declined).</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The SHA-256 fingerprint of the certificate, to pin or compare; null without TLS.</summary>
    public string? CertificateFingerprint => Certificate is null ? null : PgTlsCertificate.Fingerprint(Certificate);

    /// <summary>True with --dev: connections from loopback are trusted as the local owner.</summary>
    public bool Dev { get; }

    /// <summary>The address it answers at, as bound (a port of 0 is resolved once the server started).</summary>
    public IPEndPoint EndPoint => Bound?.IPEndPoint ?? new IPEndPoint(IPAddressOf(Address.Host), Address.Port);

    internal ListenOptions? Bound { get; set; }

    private int _connections;

    /// <summary>Wire connections open now, from accept to close (start-up, authentication and session alike).</summary>
    public int OpenConnections => Volatile.Read(ref _connections);

    internal void Opened() => Interlocked.Increment(ref _connections);

    internal void Closed() => Interlocked.Decrement(ref _connections);

    /// <summary>The IP address to bind <paramref name="host"/> to: localhost is the IPv4 loopback, a name that is not an address is any.</summary>
    internal static IPAddress IPAddressOf(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(host.Trim('[', ']'), out var address) ? address
        : IPAddress.Any;

    public void Dispose() => Certificate?.Dispose();
}
