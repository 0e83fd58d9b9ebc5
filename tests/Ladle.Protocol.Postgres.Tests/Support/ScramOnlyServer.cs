using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Ladle.Protocol.Postgres.Backend;
using Ladle.Protocol.Postgres.Frontend;
using Ladle.Protocol.Postgres.Scram;

namespace Ladle.Protocol.Postgres.Tests.Support;

/// <summary>
/// A loopback server that speaks only what authentication needs, with the codec and the SCRAM exchange: start-up
/// (answering SSLRequest 'N'), SASL, AuthenticationOk, the parameter statuses, BackendKeyData, ReadyForQuery. Any
/// later query gets 0A000. Until the listener exists, this is how real clients prove the codec and SCRAM.
/// </summary>
internal sealed class ScramOnlyServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, ScramVerifier?> _verifiers;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ScramOnlyServer(Func<string, ScramVerifier?> verifiers)
    {
        _verifiers = verifiers;
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>What happened on each connection: "authenticated alice", "failed alice", or the protocol error.</summary>
    public ConcurrentQueue<string> Outcomes { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        client.NoDelay = true;
        var stream = client.GetStream();
        var frames = new FrameReader(stream);
        var output = new ArrayBufferWriter<byte>();
        try
        {
            var packet = await frames.ReadStartupAsync(_stop.Token);
            while (packet is SslRequest or GssEncRequest)
            {
                EncryptionResponse.WriteDecline(output);
                await FlushAsync(stream, output);
                packet = await frames.ReadStartupAsync(_stop.Token);
            }

            var startup = (StartupMessage)packet;
            var user = startup.User ?? "";
            var verifier = _verifiers(user);
            var exchange = verifier is null
                ? ScramServerExchange.ForUnknownUser(user, "mock secret"u8)
                : new ScramServerExchange(user, verifier);
            AuthenticationSasl.Write(output, [ScramServerExchange.Mechanism]);
            await FlushAsync(stream, output);

            var initial = ((PasswordMessage)await frames.ReadAsync(_stop.Token)).ReadSaslInitialResponse();
            if (initial.Mechanism != ScramServerExchange.Mechanism || initial.Data is null)
            {
                throw new PgProtocolException(PgSqlState.ProtocolViolation, $"unexpected SASL mechanism {initial.Mechanism}");
            }

            AuthenticationSaslContinue.Write(output, exchange.HandleClientFirst(initial.Data.Value.Span));
            await FlushAsync(stream, output);

            var final = ((PasswordMessage)await frames.ReadAsync(_stop.Token)).ReadSaslResponse();
            if (!exchange.TryHandleClientFinal(final.Span, out var serverFinal))
            {
                Outcomes.Enqueue($"failed {user}");
                ErrorResponse.Write(output, ScramServerExchange.AuthenticationFailed(user));
                await FlushAsync(stream, output);
                return;
            }

            AuthenticationSaslFinal.Write(output, serverFinal);
            AuthenticationOk.Write(output);
            foreach (var (name, value) in new[]
            {
                ("server_version", "15.8"), ("server_encoding", "UTF8"), ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
                ("integer_datetimes", "on"), ("standard_conforming_strings", "on"), ("TimeZone", "UTC"), ("IntervalStyle", "postgres"),
                ("application_name", startup.GetParameter("application_name") ?? ""),
            })
            {
                ParameterStatus.Write(output, name, value);
            }

            BackendKeyData.Write(output, 1, 2);
            ReadyForQuery.Write(output, TransactionStatus.Idle);
            // Recorded before the flush: once ReadyForQuery is out the client may look at Outcomes at once.
            Outcomes.Enqueue($"authenticated {user}");
            await FlushAsync(stream, output);

            while (await frames.ReadAsync(_stop.Token) is { } message and not TerminateMessage)
            {
                if (message is SyncMessage or QueryMessage)
                {
                    ErrorResponse.Write(output, new PgErrorFields("ERROR", PgSqlState.FeatureNotSupported, "this test server only authenticates"));
                    ReadyForQuery.Write(output, TransactionStatus.Idle);
                    await FlushAsync(stream, output);
                }
            }
        }
        catch (PgProtocolException e)
        {
            Outcomes.Enqueue($"{e.SqlState} {e.Message}");
            ErrorResponse.Write(output, new PgErrorFields("FATAL", e.SqlState, e.Message));
            await FlushAsync(stream, output);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException)
        {
        }
    }

    private static async Task FlushAsync(NetworkStream stream, ArrayBufferWriter<byte> output)
    {
        await stream.WriteAsync(output.WrittenMemory);
        output.ResetWrittenCount();
    }

    /// <summary>Reads frames with the codec's contract: parse, and on false read until <c>needed</c> bytes are there.</summary>
    private sealed class FrameReader(Stream stream)
    {
        private byte[] _buffer = new byte[256];
        private int _filled;

        public Task<StartupPacket> ReadStartupAsync(CancellationToken token) => ReadAsync<StartupPacket>(
            (ReadOnlySequence<byte> b, out StartupPacket? p, out int c, out int n) => StartupParser.TryParse(b, PgProtocolLimits.Default, out p, out c, out n), token);

        public Task<FrontendMessage> ReadAsync(CancellationToken token) => ReadAsync<FrontendMessage>(
            (ReadOnlySequence<byte> b, out FrontendMessage? m, out int c, out int n) => FrontendParser.TryParse(b, PgProtocolLimits.Default, out m, out c, out n), token);

        private async Task<T> ReadAsync<T>(Parser<T> parse, CancellationToken token)
            where T : class
        {
            while (true)
            {
                if (parse(new ReadOnlySequence<byte>(_buffer, 0, _filled), out var message, out var consumed, out var needed))
                {
                    Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _filled - consumed);
                    _filled -= consumed;
                    return message!;
                }

                if (needed > _buffer.Length)
                {
                    Array.Resize(ref _buffer, needed);
                }

                var read = await stream.ReadAsync(_buffer.AsMemory(_filled), token);
                if (read == 0)
                {
                    throw new EndOfStreamException();
                }

                _filled += read;
            }
        }

        private delegate bool Parser<T>(ReadOnlySequence<byte> buffer, out T? message, out int consumed, out int needed);
    }
}
