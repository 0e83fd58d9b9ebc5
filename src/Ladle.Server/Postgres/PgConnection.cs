using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;
using Ladle.Protocol.Postgres.Frontend;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Postgres;

/// <summary>
/// One wire-protocol connection from its first byte to its session: SSLRequest (TLS over the same transport) or
/// GSSENCRequest (declined), CancelRequest (answered by closing), StartupMessage with protocol negotiation,
/// require_tls, authentication, the parameter statuses and BackendKeyData; then the <see cref="PgSession"/>.
/// Every reply is written whole and flushed once. A broken frame gets a FATAL ErrorResponse and the connection closes.
/// </summary>
internal sealed partial class PgConnection(
    PgListener listener, PgCancelRegistry cancels, ReadPipeline pipeline, TokenService tokens, RateLimits limits, IAuditSink audit,
    ILogger logger, ConnectionContext connection, CancellationToken serverStopping)
{
    /// <summary>How long a client has from its first byte to being authenticated (PostgreSQL's authentication_timeout).</summary>
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);

    private const string PqOptionPrefix = "_pq_.";
    // Before authentication a client may send only small messages (PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH): a stranger
    // cannot make the server hold a megabyte, and every such frame fits in the transport's buffer.
    private static readonly PgProtocolLimits Limits = PgProtocolLimits.Default with { MaxMessageSize = 65535, MaxBindMessageSize = 65535 };

    private PipeReader _input = connection.Transport.Input;
    private PipeWriter _output = connection.Transport.Output;
    private SslStream? _tls;
    private readonly EndPoint? _remote = connection.RemoteEndPoint;

    private string? RemoteText => _remote?.ToString();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            startup.CancelAfter(StartupTimeout);
            var started = await StartAsync(startup.Token);
            if (started is null) return;
            await RunSessionAsync(started, cancellationToken);
        }
        catch (PgProtocolException e)
        {
            PgLog.Refused(logger, RemoteText, e.SqlState, e.Message);
            await TrySendFatalAsync(new PgErrorFields("FATAL", e.SqlState, e.Message));
        }
        catch (OperationCanceledException) when (serverStopping.IsCancellationRequested)
        {
            await TrySendFatalAsync(AdminShutdown);
        }
        catch (OperationCanceledException)
        {
            PgLog.ConnectionEnded(logger, RemoteText, "closed, or no start-up within the time allowed");
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or AuthenticationException or ObjectDisposedException)
        {
            PgLog.ConnectionEnded(logger, RemoteText, e.Message);
        }
        finally
        {
            await _input.CompleteAsync();
            await _output.CompleteAsync();
            if (_tls is not null) await _tls.DisposeAsync();
        }
    }

    /// <summary>The FATAL sent to every session when the server stops.</summary>
    internal static readonly PgErrorFields AdminShutdown = new("FATAL", "57P01", "terminating connection due to administrator command: the Ladle server is shutting down");

    private async Task RunSessionAsync(PgSessionInfo info, CancellationToken cancellationToken)
    {
        var session = new PgSession(pipeline, info, logger) { ClientGone = connection.ConnectionClosed };
        var (processId, secretKey) = cancels.Register(session);
        try
        {
            BackendKeyData.Write(_output, processId, secretKey);
            await _output.FlushAsync(cancellationToken);
            await session.RunAsync(_input, _output, cancellationToken);
            if (serverStopping.IsCancellationRequested) await TrySendFatalAsync(AdminShutdown);
        }
        catch (NotSupportedException e)
        {
            await TrySendFatalAsync(new PgErrorFields("FATAL", PgSqlState.FeatureNotSupported, e.Message));
        }
        catch (Exception e) when (e is not (OperationCanceledException or IOException or ConnectionResetException or ConnectionAbortedException or PgProtocolException))
        {
            PgLog.SessionFailed(logger, e, info.User, RemoteText);
            await TrySendFatalAsync(new PgErrorFields("FATAL", "XX000", "the session failed unexpectedly; the server log says why"));
        }
        finally
        {
            cancels.Unregister(processId);
        }
    }

    /// <summary>Start-up through authentication; null when the connection ended (a cancel, a refusal already sent, a client that left).</summary>
    private async Task<PgSessionInfo?> StartAsync(CancellationToken ct)
    {
        StartupMessage? startup = null;
        var declinedGss = false;
        while (startup is null)
        {
            switch (await ReadStartupPacketAsync(ct))
            {
                case null:
                    return null;
                case SslRequest when _tls is not null:
                    throw new PgProtocolException(PgSqlState.ProtocolViolation, "SSLRequest on a connection that already uses TLS");
                case SslRequest:
                    if (!await StartTlsAsync(ct)) return null;
                    break;
                case GssEncRequest when declinedGss || _tls is not null:
                    throw new PgProtocolException(PgSqlState.ProtocolViolation, "GSSENCRequest sent twice, or after TLS");
                case GssEncRequest:
                    declinedGss = true;
                    EncryptionResponse.WriteDecline(_output);
                    await _output.FlushAsync(ct);
                    break;
                case CancelRequest cancel:
                    // The cancel connection closes without a reply, found or not, as in PostgreSQL.
                    // Guessing a secret key counts as a failed authentication for the address.
                    var address = AddressText;
                    try { limits.CheckAddress(address); }
                    catch (Core.Errors.RateLimitedException) { return null; }
                    if (!cancels.Cancel(cancel.ProcessId, cancel.SecretKey)) limits.CountFailure(address);
                    return null;
                case StartupMessage message:
                    startup = message;
                    break;
            }
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var unknownOptions = new List<string>();
        foreach (var (name, value) in startup.Parameters)
        {
            if (name.StartsWith(PqOptionPrefix, StringComparison.Ordinal)) unknownOptions.Add(name);
            else parameters[name] = value;
        }
        if (startup.MinorVersion > 0 || unknownOptions.Count > 0)
            NegotiateProtocolVersion.Write(_output, 0, [.. unknownOptions]);

        if (startup.User is not { Length: > 0 } user)
            throw new PgProtocolException(PgSqlState.InvalidAuthorizationSpecification, "no PostgreSQL user name specified in startup packet: connect with user=<principal>");
        if (parameters.TryGetValue("client_encoding", out var encoding) && !PgServerParameters.IsUtf8(encoding))
            throw new PgProtocolException(PgSqlState.InvalidParameterValue, $"client_encoding \"{encoding}\" is not supported: Ladle speaks UTF8 only (set client_encoding=UTF8)");
        if (listener.Settings.RequireTls && _tls is null)
            throw new PgProtocolException(PgSqlState.InvalidAuthorizationSpecification,
                "this server accepts TLS connections only (server.postgres.require_tls): connect with sslmode=require");

        var principal = await AuthenticateAsync(user, ct);
        if (principal is null) return null;
        var info = new PgSessionInfo(principal, user, startup.Database ?? user, parameters, _tls is not null, _remote);
        AuthenticationOk.Write(_output);
        foreach (var (name, value) in PgServerParameters.For(info)) ParameterStatus.Write(_output, name, value);
        return info;
    }

    /// <summary>
    /// Answers an SSLRequest: 'N' without a certificate (the client may go on in the clear), else 'S' and the TLS
    /// handshake over the same transport; every later byte goes through TLS. False when the handshake failed.
    /// </summary>
    private async Task<bool> StartTlsAsync(CancellationToken ct)
    {
        if (listener.Certificate is null)
        {
            EncryptionResponse.WriteDecline(_output);
            await _output.FlushAsync(ct);
            return true;
        }
        // Bytes sent before the handshake would be taken as if they came through TLS (CVE-2021-23214): refuse them.
        if (_input.TryRead(out var early))
        {
            var any = early.Buffer.Length > 0;
            _input.AdvanceTo(early.Buffer.Start);
            if (any) throw new PgProtocolException(PgSqlState.ProtocolViolation, "received unencrypted data after SSL request");
        }
        EncryptionResponse.WriteAccept(_output);
        await _output.FlushAsync(ct);
        var tls = new SslStream(new DuplexPipeStream(connection.Transport), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = listener.Certificate,
                ClientCertificateRequired = false,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }, ct);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            PgLog.HandshakeFailed(logger, RemoteText, e.Message);
            await tls.DisposeAsync();
            return false;
        }
        _tls = tls;
        _input = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        return true;
    }

    private string AddressText => (_remote as IPEndPoint)?.Address.ToString() ?? "unknown";

    private bool IsLoopback => _remote is IPEndPoint { Address: var address } && IPAddress.IsLoopback(address);

    private Task<StartupPacket?> ReadStartupPacketAsync(CancellationToken ct) => ReadFrameAsync<StartupPacket>(StartupParser.TryParse, ct);

    /// <summary>The next typed message, or null when the client left.</summary>
    private Task<FrontendMessage?> ReadMessageAsync(CancellationToken ct) => ReadFrameAsync<FrontendMessage>(FrontendParser.TryParse, ct);

    private delegate bool FrameParser<T>(in ReadOnlySequence<byte> buffer, PgProtocolLimits limits,
        [NotNullWhen(true)] out T? frame, out int consumed, out int needed) where T : class;

    /// <summary>The next frame <paramref name="parse"/> reads, or null when the client left; a frame that cannot be trusted is consumed and thrown.</summary>
    private async Task<T?> ReadFrameAsync<T>(FrameParser<T> parse, CancellationToken ct) where T : class
    {
        while (true)
        {
            var result = await _input.ReadAsync(ct);
            var buffer = result.Buffer;
            try
            {
                if (parse(buffer, Limits, out var frame, out var consumed, out _))
                {
                    _input.AdvanceTo(buffer.GetPosition(consumed));
                    return frame;
                }
            }
            catch (PgProtocolException)
            {
                _input.AdvanceTo(buffer.End);
                throw;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                _input.AdvanceTo(buffer.End);
                if (result.IsCompleted && buffer.Length > 0)
                    throw new PgProtocolException(PgSqlState.ProtocolViolation, $"incomplete message from client: the connection ended {buffer.Length} byte(s) into a message");
                return null;
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Sends a FATAL error; the connection may already be gone, which is not an error of its own.</summary>
    private async Task TrySendFatalAsync(PgErrorFields error)
    {
        try
        {
            ErrorResponse.Write(_output, error);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _output.FlushAsync(timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException or ConnectionResetException or ConnectionAbortedException)
        {
            PgLog.ConnectionEnded(logger, RemoteText, e.Message);
        }
    }
}
