using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Ladle.Protocol.Postgres.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Ladle.Server.Tests.Postgres;

/// <summary>
/// The running wire listener (Kestrel, TLS, SCRAM, the session) under more than 100,000 random and mutated front-end
/// messages, pipelined over thousands of connections: start-up packets, SCRAM exchanges and query-protocol
/// conversations cut short, with lying lengths and counts, bad UTF-8, frames out of order and noise (see
/// <see cref="PgFuzzGenerator"/>). Every connection is a bad one: it must get a FATAL ErrorResponse and be closed,
/// never an internal error, never a hang; a good client signs in and queries all along and at the end; and the server
/// holds no more connections, sessions, file handles or memory than before.
/// The seed is printed; <c>LADLE_FUZZ_SEED</c> replays a run and <c>LADLE_FUZZ_CASE</c> one connection of it.
/// </summary>
[Collection(AloneInProcess.Name)]
public sealed class PgListenerFuzzTests(ITestOutputHelper output)
{
    private const int MessagesWanted = 100_000;
    private const int Workers = 4;
    private const int GoodClientEvery = 250;
    private const long MemoryGrowthAllowed = 96L * 1024 * 1024;
    private const int HandleGrowthAllowed = 64;
    private static readonly TimeSpan ConnectionDeadline = TimeSpan.FromSeconds(30);

    private enum Kind { Startup, SaslInitial, SaslFinal, Session }

    [Fact]
    public async Task Every_bad_connection_gets_a_fatal_error_and_is_closed_and_the_listener_serves_good_clients_throughout()
    {
        var seed = Environment.GetEnvironmentVariable("LADLE_FUZZ_SEED") is { Length: > 0 } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        var only = Environment.GetEnvironmentVariable("LADLE_FUZZ_CASE") is { Length: > 0 } one ? int.Parse(one, CultureInfo.InvariantCulture) : (int?)null;
        output.WriteLine($"wire listener fuzz: seed {seed} (replay with LADLE_FUZZ_SEED={seed})");

        // Failed sign-ins are part of the diet: the per-address limit would otherwise stop them before SCRAM is reached.
        await using var pg = await PgServer.StartAsync(accessExtra: "rate_limits:\n  unauthenticated: { requests_per_second: 1000000 }");
        var token = await pg.CreateTokenAsync("root");
        var scram = new PgScramClient(token);
        await GoodClientAsync(pg, scram, "before the run");
        var before = Snapshot();

        var messages = 0;
        var connections = 0;
        var next = only is { } single ? single - 1 : -1;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        async Task WorkAsync()
        {
            while (Volatile.Read(ref messages) < MessagesWanted && !stop.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next);
                try
                {
                    Interlocked.Add(ref messages, await RunCaseAsync(pg, scram, seed, index));
                }
                catch
                {
                    // The first failure stops every worker: it is the one reported.
                    await stop.CancelAsync();
                    throw;
                }

                Interlocked.Increment(ref connections);
                if (only is not null) return;
                if (index % GoodClientEvery == GoodClientEvery - 1) await GoodClientAsync(pg, scram, $"after case {index} of seed {seed}");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, only is null ? Workers : 1).Select(_ => Task.Run(WorkAsync)));
        output.WriteLine($"{messages:N0} messages over {connections:N0} connections in {clock.Elapsed.TotalSeconds:F1} s");

        // A good client right after, with a real driver over TLS.
        await using (var connection = pg.Connect("root", token, SslMode.Require))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM orders", connection);
            Assert.Equal(2L, Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
        }

        // Nothing held: every connection and session is gone, and so are their handles and memory.
        for (var wait = 0; wait < 300 && (pg.Listener.OpenConnections > 0 || pg.Cancels.Count > 0); wait++) await Task.Delay(100);
        Assert.Equal(0, pg.Listener.OpenConnections);
        Assert.Equal(0, pg.Cancels.Count);
        var after = Snapshot();
        output.WriteLine($"handles {before.Handles} -> {after.Handles}, managed memory {before.Memory / 1024:N0} KiB -> {after.Memory / 1024:N0} KiB");
        Assert.True(after.Handles - before.Handles <= HandleGrowthAllowed, $"seed {seed}: open handles grew from {before.Handles} to {after.Handles}");
        Assert.True(after.Memory - before.Memory <= MemoryGrowthAllowed, $"seed {seed}: managed memory grew from {before.Memory:N0} to {after.Memory:N0} bytes");
        var failures = pg.Server.Logs.Text.Split(Environment.NewLine).Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal)).ToList();
        Assert.True(failures.Count == 0, $"seed {seed}: the server logged failures:\n{string.Join('\n', failures.Take(5))}");
        if (only is null) Assert.True(messages >= MessagesWanted);
    }

    /// <summary>Runs case <paramref name="index"/> of <paramref name="seed"/>; returns the messages it sent.</summary>
    private static async Task<int> RunCaseAsync(PgServer pg, PgScramClient scram, int seed, int index)
    {
        var random = new Random(unchecked((seed * 1_000_003) + index));
        var kind = random.Next(10) switch { < 3 => Kind.Startup, 3 => Kind.SaslInitial, 4 => Kind.SaslFinal, _ => Kind.Session };
        var tls = kind != Kind.Startup && random.Next(10) == 0;
        await using var client = await FuzzClient.ConnectAsync(pg);
        byte[] last;
        int messages;
        try
        {
            if (tls) await client.StartTlsAsync();
            if (kind == Kind.Startup)
            {
                last = PgFuzzGenerator.StartupPhase(random, out messages);
                await client.SendAsync(last);
                return await JudgeAsync(PgFuzzGenerator.Ending(last, startupPhase: true), expectSignIn: false);
            }

            await client.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "root"), ("database", "wire"), ("application_name", "fuzz")).ToArray());
            var sasl = await client.ReadFrameAsync();
            Assert.True(sasl.Type == 'R', $"expected the SASL request, got '{sasl.Type}'");
            var nonce = Convert.ToBase64String(BitConverter.GetBytes(random.NextInt64())).TrimEnd('=');
            var clientFirst = PgScramClient.ClientFirst(nonce);
            if (kind == Kind.SaslInitial)
            {
                last = PgFuzzGenerator.SaslInitial(random, clientFirst, out messages);
                await client.SendAsync(last);
                return await JudgeAsync(PgFuzzGenerator.Ending(last, startupPhase: false), expectSignIn: false) + 1;
            }

            await client.SendAsync(new TestFrontendWriter().SaslInitial("SCRAM-SHA-256", clientFirst).ToArray());
            var (type, body) = await client.ReadFrameAsync();
            Assert.True(type == 'R' && BinaryPrimitives.ReadInt32BigEndian(body) == 11, $"expected SASL continue, got '{type}'");
            var final = scram.ClientFinal(Encoding.UTF8.GetString(body.AsSpan(4)), nonce);
            if (kind == Kind.SaslFinal)
            {
                last = PgFuzzGenerator.SaslFinal(random, final, out messages);
                await client.SendAsync(last);
                return await JudgeAsync(PgFuzzGenerator.Ending(last, startupPhase: false), expectSignIn: false) + 2;
            }

            // Signed in for real, with the whole pipeline sent behind the proof.
            last = PgFuzzGenerator.Session(random, out messages);
            await client.SendAsync([.. new TestFrontendWriter().Raw('p', final).ToArray(), .. last]);
            return await JudgeAsync(PgFuzzGenerator.Ending(last, startupPhase: false), expectSignIn: true) + 3;

            // A stream the server must refuse by itself is not half-closed: the server has to close on its own. One that
            // leaves the server waiting is: a frame left unfinished must then be reported, a stream ended between frames may close quietly.
            async Task<int> JudgeAsync(PgFuzzEnding ending, bool expectSignIn)
            {
                var replies = await client.FinishAsync(halfClose: ending is PgFuzzEnding.Unfinished or PgFuzzEnding.Boundary);
                var mayEndSilently = ending is PgFuzzEnding.Silent or PgFuzzEnding.Boundary;
                var errors = replies.Where(r => r.Type == 'E').Select(r => Fields(r.Body)).ToList();
                foreach (var error in errors)
                {
                    Assert.True(error.TryGetValue('C', out var state) && state.Length == 5, "an ErrorResponse without a SQLSTATE");
                    Assert.True(error.TryGetValue('M', out var message) && message.Length > 0, "an ErrorResponse without a message");
                    Assert.True(state != "XX000", $"an internal error: {message}");
                }

                if (expectSignIn)
                {
                    Assert.True(replies.Any(r => r.Type == 'R' && BinaryPrimitives.ReadInt32BigEndian(r.Body) == 0),
                        $"the valid proof was refused: {string.Join("; ", errors.Select(e => e['M']))}");
                }

                if (!mayEndSilently)
                {
                    Assert.True(replies.Count > 0 && replies[^1].Type == 'E', $"closed without an ErrorResponse; last replies: {string.Join(' ', replies.TakeLast(5).Select(r => r.Type))}");
                    Assert.Equal("FATAL", errors[^1]['S']);
                }

                return messages;
            }
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException(
                $"seed {seed} case {index} ({kind}{(tls ? ", TLS" : "")}; replay with LADLE_FUZZ_SEED={seed} LADLE_FUZZ_CASE={index}): {e.Message}\nsent: {client.SentHex}", e);
        }
    }

    /// <summary>A client that signs in properly and runs a query: the listener still serves.</summary>
    private static async Task GoodClientAsync(PgServer pg, PgScramClient scram, string when)
    {
        await using var client = await FuzzClient.ConnectAsync(pg);
        await client.SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", "root"), ("database", "wire")).ToArray());
        Assert.Equal('R', (await client.ReadFrameAsync()).Type);
        var nonce = "goodclient" + Environment.TickCount64.ToString(CultureInfo.InvariantCulture);
        await client.SendAsync(new TestFrontendWriter().SaslInitial("SCRAM-SHA-256", PgScramClient.ClientFirst(nonce)).ToArray());
        var (_, body) = await client.ReadFrameAsync();
        await client.SendAsync(new TestFrontendWriter().Raw('p', scram.ClientFinal(Encoding.UTF8.GetString(body.AsSpan(4)), nonce)).Query("SELECT count(*) FROM orders").Empty('X').ToArray());
        var replies = await client.FinishAsync(halfClose: false);
        var said = string.Join(' ', replies.Select(r => r.Type)) + " " + string.Join("; ", replies.Where(r => r.Type == 'E').Select(r => Fields(r.Body)['M']));
        Assert.True(replies.Count(r => r.Type == 'Z') == 2 && replies.Count(r => r.Type == 'D') == 1, $"{when}: a good client was not served: {said}");
        var row = replies.Single(r => r.Type == 'D').Body;
        Assert.Equal("2", Encoding.UTF8.GetString(row.AsSpan(6)));
    }

    private static Dictionary<char, string> Fields(byte[] body)
    {
        var fields = new Dictionary<char, string>();
        var at = 0;
        while (at < body.Length && body[at] != 0)
        {
            var code = (char)body[at++];
            var end = Array.IndexOf(body, (byte)0, at);
            if (end < 0) throw new Xunit.Sdk.XunitException("an ErrorResponse field without its terminator");
            fields[code] = Encoding.UTF8.GetString(body, at, end - at);
            at = end + 1;
        }

        return fields;
    }

    private static (int Handles, long Memory) Snapshot()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        var handles = Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : Process.GetCurrentProcess().HandleCount;
        return (handles, GC.GetTotalMemory(forceFullCollection: true));
    }

    /// <summary>A raw connection that remembers what it sent and reads every reply until the server closes.</summary>
    private sealed class FuzzClient : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly MemoryStream _sent = new();
        private readonly List<byte> _pending = [];
        private Stream _stream;
        private SslStream? _tls;
        private bool _gssAnswered;

        private FuzzClient(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public static async Task<FuzzClient> ConnectAsync(PgServer pg)
        {
            var tcp = new TcpClient(System.Net.Sockets.AddressFamily.InterNetwork) { NoDelay = true };
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, pg.Port);
            return new FuzzClient(tcp);
        }

        public string SentHex
        {
            get
            {
                var bytes = _sent.ToArray();
                var shown = Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 4096)));
                return bytes.Length > 4096 ? $"{shown}… ({bytes.Length} bytes)" : shown;
            }
        }

        public async Task StartTlsAsync()
        {
            await SendAsync(new TestFrontendWriter().Request(80877103).ToArray());
            var answer = new byte[1];
            await _stream.ReadExactlyAsync(answer);
            Assert.Equal((byte)'S', answer[0]);
            _tls = new SslStream(_stream, leaveInnerStreamOpen: true, (_, _, _, _) => true);
            await _tls.AuthenticateAsClientAsync("localhost");
            _stream = _tls;
        }

        public async Task SendAsync(byte[] bytes)
        {
            _sent.Write(bytes);
            try
            {
                await _stream.WriteAsync(bytes);
                await _stream.FlushAsync();
            }
            catch (IOException)
            {
                // The server may close as soon as it has seen enough; what it answered is judged after.
            }
        }

        /// <summary>The next reply frame of an exchange that must go on.</summary>
        public async Task<(char Type, byte[] Body)> ReadFrameAsync()
        {
            using var deadline = new CancellationTokenSource(ConnectionDeadline);
            while (true)
            {
                if (TryTake(out var frame)) return frame;
                var buffer = new byte[4096];
                var n = await _stream.ReadAsync(buffer, deadline.Token);
                if (n == 0) throw new Xunit.Sdk.XunitException("the server closed the connection in the middle of a valid exchange");
                _pending.AddRange(buffer.AsSpan(0, n));
            }
        }

        /// <summary>Reads until the server closes, after half-closing if told (the client sent all it will); a hang fails.</summary>
        public async Task<List<(char Type, byte[] Body)>> FinishAsync(bool halfClose)
        {
            try
            {
                if (halfClose && _tls is not null) await _tls.ShutdownAsync();
                if (halfClose) _tcp.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
            }

            using var deadline = new CancellationTokenSource(ConnectionDeadline);
            var buffer = new byte[16384];
            try
            {
                while (await _stream.ReadAsync(buffer, deadline.Token) is var n and > 0) _pending.AddRange(buffer.AsSpan(0, n));
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"the server neither answered nor closed within {ConnectionDeadline.TotalSeconds} s");
            }
            catch (IOException)
            {
                // A reset after the server closed: what arrived before it is judged.
            }

            var frames = new List<(char, byte[])>();
            while (TryTake(out var frame)) frames.Add(frame);
            Assert.True(_pending.Count == 0, $"the server's bytes end inside a frame: {Convert.ToHexString(_pending.Take(64).ToArray())}");
            return frames;
        }

        private bool TryTake(out (char Type, byte[] Body) frame)
        {
            frame = default;
            // A GSSENCRequest's one-byte answer precedes the frames.
            if (!_gssAnswered && _pending.Count > 0 && _sent.Length >= 8 && BinaryPrimitives.ReadInt32BigEndian(_sent.GetBuffer()) == 8
                && BinaryPrimitives.ReadInt32BigEndian(_sent.GetBuffer().AsSpan(4)) == 80877104)
            {
                _gssAnswered = true;
                Assert.Equal((byte)'N', _pending[0]);
                _pending.RemoveAt(0);
            }

            if (_pending.Count < 5) return false;
            var length = BinaryPrimitives.ReadInt32BigEndian([.. _pending.GetRange(1, 4)]);
            Assert.True(length >= 4, $"the server sent a frame of length {length}");
            if (_pending.Count < 1 + length) return false;
            frame = ((char)_pending[0], _pending.GetRange(5, length - 4).ToArray());
            _pending.RemoveRange(0, 1 + length);
            return true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_tls is not null) await _tls.DisposeAsync();
            await _stream.DisposeAsync();
            _tcp.Dispose();
        }
    }
}
