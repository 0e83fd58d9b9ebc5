using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Ladle.Protocol.Postgres.Tests.Support;

namespace Ladle.Server.Tests.Postgres;

/// <summary>A bare wire-protocol client over a real socket: sends the bytes a test builds, reads back-end frames one by one.</summary>
internal sealed class PgRawClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;

    private PgRawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<PgRawClient> ConnectAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient(endPoint.AddressFamily);
        await tcp.ConnectAsync(endPoint);
        return new PgRawClient(tcp);
    }

    public Task SendAsync(TestFrontendWriter frames) => SendAsync(frames.ToArray());

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>The one-byte answer to SSLRequest/GSSENCRequest.</summary>
    public async Task<char> ReadByteAsync()
    {
        var one = new byte[1];
        await _stream.ReadExactlyAsync(one);
        return (char)one[0];
    }

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public async Task<(char Type, TestBackendReader.BodyReader Body)?> ReadAsync()
    {
        var header = new byte[5];
        var read = 0;
        while (read < header.Length)
        {
            var n = await _stream.ReadAsync(header.AsMemory(read));
            if (n == 0)
            {
                Assert.Equal(0, read);
                return null;
            }
            read += n;
        }
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await _stream.ReadExactlyAsync(body);
        return ((char)header[0], new TestBackendReader.BodyReader(body));
    }

    /// <summary>Frames until the server closes the connection (or sends <paramref name="until"/>).</summary>
    public async Task<List<(char Type, TestBackendReader.BodyReader Body)>> ReadAllAsync(char? until = null)
    {
        var frames = new List<(char, TestBackendReader.BodyReader)>();
        while (await ReadAsync() is { } frame)
        {
            frames.Add(frame);
            if (frame.Type == until) break;
        }
        return frames;
    }

    /// <summary>Frames up to and including the first of type <paramref name="last"/>.</summary>
    public Task<List<(char Type, TestBackendReader.BodyReader Body)>> ReadUntilAsync(char last) => ReadAllAsync(last);

    /// <summary>Shuts the sending side: the client has sent all it will.</summary>
    public void ShutdownSend() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Start-up and SCRAM as <paramref name="user"/> with <paramref name="token"/>, up to the first ReadyForQuery.</summary>
    public async Task SignInAsync(string user, string token)
    {
        await SendAsync(new TestFrontendWriter().Startup(3, 0, ("user", user), ("database", "wire")));
        Assert.Equal('R', (await ReadAsync())!.Value.Type);
        var nonce = "rawclient" + Environment.TickCount64.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendAsync(new TestFrontendWriter().SaslInitial("SCRAM-SHA-256", PgScramClient.ClientFirst(nonce)));
        var (_, body) = (await ReadAsync())!.Value;
        Assert.Equal(11, body.Int32());
        var serverFirst = System.Text.Encoding.UTF8.GetString(body.Rest());
        await SendAsync(new TestFrontendWriter().Raw('p', new PgScramClient(token).ClientFinal(serverFirst, nonce)));
        var frames = await ReadUntilAsync('Z');
        Assert.Equal('Z', frames[^1].Type);
    }

    /// <summary>True when the server closed the connection without sending anything more.</summary>
    public async Task<bool> ClosedAsync() => await _stream.ReadAsync(new byte[1]) == 0;

    /// <summary>Starts TLS after the server answered 'S' (any certificate: the test checks its fingerprint itself).</summary>
    public async Task<SslStream> StartTlsAsync()
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        _stream = tls;
        return tls;
    }

    /// <summary>The ErrorResponse fields by their code ('S' severity, 'C' SQLSTATE, 'M' message, 'D' detail, 'H' hint).</summary>
    public static Dictionary<char, string> ErrorFields(TestBackendReader.BodyReader body)
    {
        var fields = new Dictionary<char, string>();
        while (body.Byte() is var code && code != 0) fields[(char)code] = body.CString();
        return fields;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
