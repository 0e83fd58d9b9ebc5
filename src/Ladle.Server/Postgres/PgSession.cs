using System.IO.Pipelines;
using System.Net;
using Ladle.Core.Policy;
using Ladle.Engine.Serving;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Postgres;

/// <summary>Who a wire connection is and how it started, once start-up and authentication are done.</summary>
/// <param name="Principal">The authenticated principal (the local owner with --dev trust on loopback).</param>
/// <param name="User">The user name the client sent.</param>
/// <param name="Database">The database name the client sent (the project's name answers for any).</param>
/// <param name="StartupParameters">Every parameter of the StartupMessage (application_name, client_encoding, options, …).</param>
/// <param name="Tls">True when the connection is encrypted.</param>
/// <param name="Remote">The client's address, for audit and logs.</param>
public sealed record PgSessionInfo(Principal Principal, string User, string Database,
    IReadOnlyDictionary<string, string> StartupParameters, bool Tls, EndPoint? Remote);

/// <summary>
/// A wire connection after start-up: the query protocol (simple and extended, COPY, session commands) until the
/// client terminates or the connection closes. The listener has already sent AuthenticationOk, the parameter
/// statuses and BackendKeyData, and the first ReadyForQuery is the session's to send.
/// Every statement goes through <see cref="ReadPipeline"/> as the session's principal, audited as interface "pg".
/// </summary>
public sealed partial class PgSession(ReadPipeline pipeline, PgSessionInfo info, ILogger logger)
{
    private readonly ReadPipeline _pipeline = pipeline;
    private readonly ILogger _logger = logger;

    public PgSessionInfo Info { get; } = info;

    /// <summary>
    /// Fires when the client's side of the connection is gone: it stops the statement running (and any later one), while
    /// what the client sent before leaving is still read and answered, as PostgreSQL does.
    /// </summary>
    public CancellationToken ClientGone { get; init; }

    /// <summary>The clock statement_timeout runs on.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Runs the query protocol over the connection's pipes until Terminate, a closed connection or <paramref name="cancellationToken"/>.</summary>
    public partial Task RunAsync(PipeReader input, PipeWriter output, CancellationToken cancellationToken);

    /// <summary>Cancels the statement running now, if any (a CancelRequest with this session's key); the session goes on.</summary>
    public partial void CancelCurrent();
}
