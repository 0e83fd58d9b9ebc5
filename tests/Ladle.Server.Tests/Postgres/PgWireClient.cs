using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Ladle.Server.Tests.Postgres;

/// <summary>One backend message as received: its type byte and body.</summary>
public sealed record PgWireReply(char Type, byte[] Body)
{
    /// <summary>The body as text (CommandComplete's tag, an ErrorResponse's fields) without the terminators.</summary>
    public string Text => Encoding.UTF8.GetString(Body).TrimEnd('\0');

    /// <summary>An ErrorResponse's or NoticeResponse's field (C = SQLSTATE, M = message, S = severity).</summary>
    public string? Field(char code)
    {
        var at = 0;
        while (at < Body.Length && Body[at] != 0)
        {
            var end = Array.IndexOf(Body, (byte)0, at + 1);
            if ((char)Body[at] == code) return Encoding.UTF8.GetString(Body, at + 1, end - at - 1);
            at = end + 1;
        }

        return null;
    }

    /// <summary>A DataRow's values joined by '|' (NULL for SQL NULL), for comparing rows.</summary>
    public string Row => string.Join("|", Values.Select(v => v ?? "NULL"));

    /// <summary>A DataRow's values as text (null for SQL NULL).</summary>
    public string?[] Values
    {
        get
        {
            var count = BinaryPrimitives.ReadInt16BigEndian(Body);
            var values = new string?[count];
            var at = 2;
            for (var i = 0; i < count; i++)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(Body.AsSpan(at));
                at += 4;
                if (length < 0) continue;
                values[i] = Encoding.UTF8.GetString(Body, at, length);
                at += length;
            }

            return values;
        }
    }
}

/// <summary>A raw protocol client for what drivers do not send (several statements in one Query, row limits, bad frames).</summary>
public sealed class PgWireClient : IAsyncDisposable
{
    private readonly TcpClient _tcp = new() { NoDelay = true };
    private NetworkStream _stream = null!;

    public static async Task<PgWireClient> ConnectAsync(int port)
    {
        var client = new PgWireClient();
        await client._tcp.ConnectAsync("127.0.0.1", port);
        client._stream = client._tcp.GetStream();
        var body = new List<byte>();
        body.AddRange(Int32(196608));
        foreach (var part in new[] { "user", "local", "database", "retail" }) body.AddRange(CString(part));
        body.Add(0);
        await client.SendAsync([.. Int32(body.Count + 4), .. body]);
        var startup = await client.ReadUntilReadyAsync();
        Assert.Equal('Z', startup[^1].Type);
        return client;
    }

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Reads messages until ReadyForQuery (included).</summary>
    public async Task<List<PgWireReply>> ReadUntilReadyAsync() => await ReadUntilAsync('Z');

    /// <summary>Reads messages until one of type <paramref name="last"/> (included).</summary>
    public async Task<List<PgWireReply>> ReadUntilAsync(char last)
    {
        var replies = new List<PgWireReply>();
        while (true)
        {
            var reply = await ReadAsync() ?? throw new IOException($"the server closed the connection before '{last}'; got {Types(replies)}");
            replies.Add(reply);
            if (reply.Type == last) return replies;
        }
    }

    /// <summary>The next message, or null when the server closed the connection.</summary>
    public async Task<PgWireReply?> ReadAsync()
    {
        var header = new byte[5];
        if (!await FillAsync(header)) return null;
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        if (!await FillAsync(body)) return null;
        return new PgWireReply((char)header[0], body);
    }

    /// <summary>The type bytes of <paramref name="replies"/>, e.g. "TDCZ".</summary>
    public static string Types(IEnumerable<PgWireReply> replies) => string.Concat(replies.Select(r => r.Type));

    public static byte[] Query(string sql) => Message('Q', CString(sql));

    public static byte[] Parse(string name, string sql, params uint[] types) =>
        Message('P', [.. CString(name), .. CString(sql), .. Int16((short)types.Length), .. types.SelectMany(t => Int32((int)t))]);

    /// <summary>Bind with text parameters (null = SQL NULL) and one result format for every column.</summary>
    public static byte[] Bind(string portal, string statement, string?[] parameters, short resultFormat = 0)
    {
        var body = new List<byte>();
        body.AddRange(CString(portal));
        body.AddRange(CString(statement));
        body.AddRange(Int16(0));
        body.AddRange(Int16((short)parameters.Length));
        foreach (var p in parameters)
        {
            if (p is null)
            {
                body.AddRange(Int32(-1));
                continue;
            }

            var bytes = Encoding.UTF8.GetBytes(p);
            body.AddRange(Int32(bytes.Length));
            body.AddRange(bytes);
        }

        body.AddRange(Int16(1));
        body.AddRange(Int16(resultFormat));
        return Message('B', [.. body]);
    }

    public static byte[] Describe(char target, string name) => Message('D', [(byte)target, .. CString(name)]);

    public static byte[] Execute(string portal, int maxRows) => Message('E', [.. CString(portal), .. Int32(maxRows)]);

    public static byte[] Close(char target, string name) => Message('C', [(byte)target, .. CString(name)]);

    public static byte[] Sync() => Message('S', []);

    public static byte[] Flush() => Message('H', []);

    public static byte[] Terminate() => Message('X', []);

    public static byte[] Message(char type, byte[] body) => [(byte)type, .. Int32(body.Length + 4), .. body];

    private static byte[] CString(string value) => [.. Encoding.UTF8.GetBytes(value), 0];

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int16(short value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return bytes;
    }

    private async Task<bool> FillAsync(byte[] buffer)
    {
        var at = 0;
        while (at < buffer.Length)
        {
            var n = await _stream.ReadAsync(buffer.AsMemory(at));
            if (n == 0) return false;
            at += n;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
