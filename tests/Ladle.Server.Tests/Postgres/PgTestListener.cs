using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Ladle.Core.Policy;
using Ladle.Engine.Serving;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;
using Ladle.Protocol.Postgres.Frontend;
using Ladle.Server.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Server.Tests.Postgres;

/// <summary>
/// A minimal PostgreSQL listener for testing the session on a real loopback socket: trust start-up as the local owner
/// with the codec (SSLRequest declined, AuthenticationOk, the parameter statuses clients need, BackendKeyData), then the
/// connection's pipes go to <see cref="PgSession"/>; a CancelRequest cancels the named session's statement.
/// </summary>
public sealed class PgTestListener : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ReadPipeline _pipeline;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, PgSession> _sessions = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _accepting;
    private int _nextId;

    private readonly TimeProvider _clock;

    /// <param name="clock">The clock the sessions' statement_timeout runs on.</param>
    public PgTestListener(ReadPipeline pipeline, TimeProvider? clock = null)
    {
        _pipeline = pipeline;
        _clock = clock ?? TimeProvider.System;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Sessions that ended (the connection closed), for tests that cut a connection.</summary>
    public int Ended => _ended;

    private int _ended;

    /// <summary>Rows the statements running now have sent, over every session: how far a streaming result has gone.</summary>
    public long RowsSending => _sessions.Values.Sum(s => s.RowsSending);

    /// <summary>An Npgsql connection string; no type loading (the synthetic catalog is another helper's).</summary>
    public string ConnectionString(string extra = "") =>
        $"Host=127.0.0.1;Port={Port};Username=local;Database=retail;Pooling=false;Server Compatibility Mode=NoTypeLoading;Timeout=30;Command Timeout=120{extra}";

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            socket.NoDelay = true;
            _connections.Add(Task.Run(() => ServeAsync(socket)));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var input = PipeReader.Create(stream);
        var output = PipeWriter.Create(stream);
        try
        {
            var startup = await ReadStartupAsync(input, output);
            if (startup is null) return;
            var id = Interlocked.Increment(ref _nextId);
            AuthenticationOk.Write(output);
            foreach (var (name, value) in new[]
            {
                ("server_version", PgWireSettings.ServerVersion), ("server_encoding", "UTF8"), ("client_encoding", "UTF8"),
                ("DateStyle", "ISO, MDY"), ("integer_datetimes", "on"), ("standard_conforming_strings", "on"), ("TimeZone", "UTC"),
                ("IntervalStyle", "postgres"), ("application_name", startup.GetParameter("application_name") ?? ""), ("is_superuser", "off"),
            })
            {
                ParameterStatus.Write(output, name, value);
            }

            BackendKeyData.Write(output, id, id * 7);
            var parameters = startup.Parameters.ToDictionary(p => p.Key, p => p.Value);
            var session = new PgSession(_pipeline, new PgSessionInfo(Principal.Local, startup.User ?? "local", startup.Database ?? "retail",
                parameters, false, socket.RemoteEndPoint), NullLogger.Instance) { Clock = _clock };
            _sessions[id] = session;
            try
            {
                await session.RunAsync(input, output, _stop.Token);
            }
            finally
            {
                _sessions.TryRemove(id, out _);
                Interlocked.Increment(ref _ended);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or PgProtocolException)
        {
        }
    }

    private async Task<StartupMessage?> ReadStartupAsync(PipeReader input, PipeWriter output)
    {
        while (true)
        {
            var read = await input.ReadAsync(_stop.Token);
            var buffer = read.Buffer;
            if (StartupParser.TryParse(buffer, PgProtocolLimits.Default, out var packet, out var consumed, out _))
            {
                input.AdvanceTo(buffer.Slice(consumed).Start);
                switch (packet)
                {
                    case SslRequest or GssEncRequest:
                        EncryptionResponse.WriteDecline(output);
                        await output.FlushAsync();
                        continue;
                    case CancelRequest cancel:
                        if (_sessions.TryGetValue(cancel.ProcessId, out var session) && cancel.SecretKey == cancel.ProcessId * 7) session.CancelCurrent();
                        return null;
                    case StartupMessage startup:
                        return startup;
                }
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted) return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_connections);
        _stop.Dispose();
    }
}
