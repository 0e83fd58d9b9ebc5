using System.Buffers.Binary;
using System.Text;
using Ladle.Protocol.Postgres.Tests.Support;

namespace Ladle.Server.Tests.Postgres;

/// <summary>How a fuzzed byte stream ends, as its frame headers tell (see <see cref="PgFuzzGenerator.Ending"/>).</summary>
internal enum PgFuzzEnding { Silent, Broken, Unfinished, Boundary }

/// <summary>One front-end frame the fuzzer built, with where its length and count fields are (so it can lie in them).</summary>
internal sealed record PgFuzzFrame(byte[] Bytes, IReadOnlyList<(int Offset, int Size)> Fields)
{
    public static PgFuzzFrame Of(TestFrontendWriter writer) => new(writer.ToArray(), [.. writer.LengthFields]);
}

/// <summary>
/// Builds the byte streams of the listener fuzz test from valid conversations (start-up, SCRAM, the simple and
/// extended query protocol, session commands) mutated the ways a broken or hostile client goes wrong: frames cut
/// short, lengths and counts that lie (oversized, negative, huge parameter counts), flipped bits, bad UTF-8,
/// frames out of order, duplicated or replaced by noise. Every stream ends with a tail that no server may accept, so
/// each connection is a bad one and must end with a FATAL ErrorResponse. Everything comes from the given
/// <see cref="Random"/>, so a seed replays a run.
/// </summary>
internal static class PgFuzzGenerator
{
    private const int SslRequestCode = 80877103;
    private const int GssEncRequestCode = 80877104;
    private const int CancelRequestCode = 80877102;
    private const int MaxMessage = 1024 * 1024;
    private const int MaxBind = 16 * 1024 * 1024;

    private static readonly int[] NastyInts =
    [
        -1, -2, 0, 1, 2, 3, 4, 5, 7, 8, 0x7fff, 0x8000, 0xffff, 0x10000, int.MaxValue, int.MinValue,
        MaxMessage, MaxMessage + 1, MaxBind, MaxBind + 1, 10_000, 10_001, 65_535, 65_536,
    ];

    private static readonly string[] Queries =
    [
        "SELECT 1", "SELECT order_id, amount FROM orders ORDER BY order_id", "SELECT count(*) FROM orders", "", ";",
        "SELECT 1; SELECT 2", "SELECT 'é☃𝄞'", "SET application_name = 'fuzz'", "SHOW TimeZone", "BEGIN", "COMMIT", "ROLLBACK",
        "SELECT * FROM no_such_table", "SELECT 1/0", "DISCARD ALL", "COPY (SELECT order_id FROM orders) TO STDOUT",
        "SELECT $1", "SELEC", "INSERT INTO orders VALUES (3, 1)", "SELECT version()", "SELECT order_id FROM orders WHERE amount > 15",
    ];

    /// <summary>The bytes of the start-up phase: noise, or a mutated start-up packet (and what a client sends after it).</summary>
    public static byte[] StartupPhase(Random random, out int messages)
    {
        List<PgFuzzFrame> frames;
        if (random.Next(5) == 0)
        {
            // Pure noise, sometimes dressed as a start-up packet's length and version.
            var noise = Bytes(random, random.Next(1, 400));
            if (noise.Length >= 8 && random.Next(2) == 0)
            {
                BinaryPrimitives.WriteInt32BigEndian(noise, random.Next(2) == 0 ? noise.Length : NastyInts[random.Next(NastyInts.Length)]);
                BinaryPrimitives.WriteInt32BigEndian(noise.AsSpan(4), 3 << 16);
            }

            frames = [new PgFuzzFrame(noise, [])];
        }
        else
        {
            frames = [Startup(random)];
            if (random.Next(3) == 0) frames.Insert(0, PgFuzzFrame.Of(new TestFrontendWriter().Request(GssEncRequestCode)));
            if (random.Next(2) == 0) frames.Add(PgFuzzFrame.Of(new TestFrontendWriter().SaslInitial("SCRAM-SHA-256", "n,,n=,r=fuzznonce"u8.ToArray())));
            if (random.Next(4) == 0) frames.Add(SessionFrame(random));
            Mutate(random, frames, random.Next(1, 3), startup: true);
        }

        messages = frames.Count + 1;
        return Concat(frames, Tail(random));
    }

    /// <summary>A SASLInitialResponse that may be wrong in every way (mechanism, length, GS2 header, UTF-8), then the tail.</summary>
    public static byte[] SaslInitial(Random random, byte[] clientFirst, out int messages)
    {
        var mechanism = random.Next(6) switch { 0 => "SCRAM-SHA-256-PLUS", 1 => "", 2 => "scram-sha-256", _ => "SCRAM-SHA-256" };
        var data = random.Next(4) switch
        {
            0 => Bytes(random, random.Next(0, 200)),
            1 => Encoding.UTF8.GetBytes(new[] { "p=tls-server-end-point,,n=,r=x", "y,,n=,r=", "n,,n=,r", "n,a=eve,n=,r=abc", "n,,m=ext,n=,r=abc", "n,,n=,r=a,b" }[random.Next(6)]),
            _ => (byte[])clientFirst.Clone(),
        };
        List<PgFuzzFrame> frames = [PgFuzzFrame.Of(new TestFrontendWriter().SaslInitial(mechanism, random.Next(10) == 0 ? null : data))];
        if (random.Next(3) == 0) frames.Add(PgFuzzFrame.Of(new TestFrontendWriter().Raw('p', Bytes(random, random.Next(0, 64)))));
        Mutate(random, frames, random.Next(0, 3), startup: false);
        messages = frames.Count + 1;
        return Concat(frames, Tail(random));
    }

    /// <summary>The client-final-message mutated (nonce, channel binding, proof, attributes, bytes), then the tail.</summary>
    public static byte[] SaslFinal(Random random, byte[] validFinal, out int messages)
    {
        var text = Encoding.UTF8.GetString(validFinal);
        var body = random.Next(6) switch
        {
            0 => Encoding.UTF8.GetBytes(text.Replace("c=biws", "c=eSws", StringComparison.Ordinal)),
            1 => Encoding.UTF8.GetBytes(text[..text.IndexOf(",p=", StringComparison.Ordinal)] + ",p=" + Convert.ToBase64String(Bytes(random, 32))),
            2 => Encoding.UTF8.GetBytes(text.Replace(",r=", ",r=x", StringComparison.Ordinal)),
            3 => Encoding.UTF8.GetBytes(text + ",x=extension"),
            4 => Bytes(random, random.Next(0, 120)),
            _ => Flipped(random, validFinal),
        };
        List<PgFuzzFrame> frames = [PgFuzzFrame.Of(new TestFrontendWriter().Raw('p', body))];
        Mutate(random, frames, random.Next(0, 2), startup: false);
        messages = frames.Count + 1;
        return Concat(frames, Tail(random));
    }

    /// <summary>An authenticated session's pipeline: valid steps of the simple and extended protocol, mutated, then the tail.</summary>
    public static byte[] Session(Random random, out int messages)
    {
        var frames = new List<PgFuzzFrame>();
        for (var steps = random.Next(3, 16); steps > 0; steps--) frames.AddRange(SessionStep(random));
        Mutate(random, frames, random.Next(1, 4), startup: false);
        messages = frames.Count + 1;
        return Concat(frames, Tail(random));
    }

    /// <summary>
    /// How the server must see <paramref name="bytes"/> end, walking the frames by their headers alone:
    /// <see cref="PgFuzzEnding.Silent"/> when a frame that ends a connection silently in PostgreSQL too comes first
    /// (Terminate, CancelRequest, an SSLRequest whose TLS handshake then fails); <see cref="PgFuzzEnding.Broken"/> when
    /// a header no server may accept does (the server must close with a FATAL error by itself);
    /// <see cref="PgFuzzEnding.Unfinished"/> when the bytes end inside a frame, and <see cref="PgFuzzEnding.Boundary"/>
    /// when they end where a frame ends (the server waits for more: the client must stop sending to end it).
    /// </summary>
    public static PgFuzzEnding Ending(byte[] bytes, bool startupPhase)
    {
        var at = 0;
        if (startupPhase)
        {
            while (true)
            {
                if (bytes.Length - at < 4) return at == bytes.Length ? PgFuzzEnding.Boundary : PgFuzzEnding.Unfinished;
                var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at));
                if (length < 8 || length > 10_000) return PgFuzzEnding.Broken;
                if (bytes.Length - at < 8) return PgFuzzEnding.Unfinished;
                var code = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 4));
                if (code is SslRequestCode or CancelRequestCode) return PgFuzzEnding.Silent;
                if (bytes.Length - at < length) return PgFuzzEnding.Unfinished;
                at += length;
                if (code != GssEncRequestCode) break;
            }
        }

        while (bytes.Length - at >= 5)
        {
            var type = bytes[at];
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 1));
            if (type == 'X' && length == 4) return PgFuzzEnding.Silent;
            if (length < 4 || length > (type == 'B' ? MaxBind : MaxMessage)) return PgFuzzEnding.Broken;
            if (bytes.Length - at < 1 + length) return PgFuzzEnding.Unfinished;
            at += 1 + length;
        }

        return at == bytes.Length ? PgFuzzEnding.Boundary : PgFuzzEnding.Unfinished;
    }

    private static PgFuzzFrame Startup(Random random)
    {
        var parameters = new List<(string, string)> { ("user", random.Next(8) == 0 ? "mallory" : "root"), ("database", "wire") };
        if (random.Next(2) == 0) parameters.Add(("application_name", "fuzz-é"));
        if (random.Next(4) == 0) parameters.Add(("client_encoding", random.Next(2) == 0 ? "UTF8" : "LATIN1"));
        if (random.Next(4) == 0) parameters.Add(("_pq_.fuzz", "1"));
        if (random.Next(6) == 0) parameters.Add(("options", new string('x', random.Next(0, 3000))));
        if (random.Next(8) == 0)
            for (var i = random.Next(10, 200); i > 0; i--) parameters.Add(("p" + i, "v"));
        return PgFuzzFrame.Of(new TestFrontendWriter().Startup(3, random.Next(4) == 0 ? random.Next(0, 3) : 0, [.. parameters]));
    }

    private static IEnumerable<PgFuzzFrame> SessionStep(Random random)
    {
        string Name() => random.Next(3) == 0 ? "" : "s" + random.Next(3);
        switch (random.Next(12))
        {
            case 0:
            case 1:
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Query(Queries[random.Next(Queries.Length)]));
                break;
            case 2:
            case 3:
            {
                var statement = Name();
                var portal = random.Next(2) == 0 ? "" : "p" + random.Next(2);
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Parse(statement, "SELECT order_id, amount FROM orders WHERE order_id >= $1 ORDER BY order_id", 20));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Bind(portal, statement, [(short)random.Next(2)],
                    [random.Next(2) == 0 ? "1"u8.ToArray() : [0, 0, 0, 0, 0, 0, 0, 1]], [(short)random.Next(2)]));
                if (random.Next(2) == 0) yield return PgFuzzFrame.Of(new TestFrontendWriter().Describe('P', portal));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Execute(portal, random.Next(3)));
                if (random.Next(2) == 0) yield return PgFuzzFrame.Of(new TestFrontendWriter().Execute(portal, 0));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Empty('S'));
                break;
            }
            case 4:
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Parse(Name(), Queries[random.Next(Queries.Length)]));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Describe('S', Name()));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Empty('S'));
                break;
            case 5:
                // Wrong order: a portal or statement that was never made, closes of nothing, Execute before Bind.
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Execute("nope" + random.Next(2), 0));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Bind("", "missing", [], [], []));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Close(random.Next(2) == 0 ? 'S' : 'P', Name()));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Empty('S'));
                break;
            case 6:
            {
                // Huge parameter counts, claimed and real.
                var count = random.Next(2) == 0 ? 65_535 : random.Next(1_000, 5_000);
                var values = Enumerable.Range(0, count).Select(_ => (byte[]?)null).ToArray();
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Parse("", "SELECT $1", [.. Enumerable.Repeat(23u, random.Next(0, 70_000) % 65_536)]));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Bind("", "", [], values, []));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Execute("", 0));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Empty('S'));
                break;
            }
            case 7:
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Empty('H'));
                break;
            case 8:
                // Copy messages outside COPY, a password after start-up.
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Raw('d', Bytes(random, random.Next(0, 50))));
                yield return PgFuzzFrame.Of(random.Next(2) == 0 ? new TestFrontendWriter().Empty('c') : new TestFrontendWriter().CopyFail("stop"));
                break;
            case 9:
                // Bad UTF-8 in the statement: a stray byte, a cut sequence, an overlong form, a surrogate, past U+10FFFF.
                byte[][] bad = [[0xFF], [0x80], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]];
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Raw('Q', [.. "SELECT '"u8, .. bad[random.Next(bad.Length)], .. "'"u8, 0]));
                break;
            case 10:
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Bind("", "", [1], [Bytes(random, random.Next(0, 9))], [1]));
                yield return PgFuzzFrame.Of(new TestFrontendWriter().Empty('S'));
                break;
            default:
                yield return SessionFrame(random);
                break;
        }
    }

    /// <summary>A frame a session would not expect here: a password message, a second start-up packet, or a random type with a random body.</summary>
    private static PgFuzzFrame SessionFrame(Random random) => random.Next(3) switch
    {
        0 => PgFuzzFrame.Of(new TestFrontendWriter().Password("ldl_not_a_token")),
        1 => PgFuzzFrame.Of(new TestFrontendWriter().Startup(3, 0, ("user", "root"))),
        _ => PgFuzzFrame.Of(new TestFrontendWriter().Raw("BCdcfDEHPpQSFG_zZ"[random.Next(17)], Bytes(random, random.Next(0, 80)))),
    };

    /// <summary>A last frame no server may accept, so every connection is a bad one.</summary>
    private static byte[] Tail(Random random) => random.Next(5) switch
    {
        // Length below the header's own four bytes.
        0 => [(byte)'Q', 0, 0, 0, (byte)random.Next(0, 4)],
        // Over every limit.
        1 => [(byte)"QBPp"[random.Next(4)], 0x7f, 0xff, 0xff, (byte)random.Next(256)],
        // Negative.
        2 => [(byte)'Q', 0xff, 0xff, 0xff, 0xf0],
        // A type no client sends.
        3 => [(byte)"\0\u0001Zz~"[random.Next(5)], 0, 0, 0, 4],
        // Cut short: the client leaves inside a frame.
        _ => [(byte)'Q', 0, 0, 1, 0, .. "SELECT"u8],
    };

    private static void Mutate(Random random, List<PgFuzzFrame> frames, int count, bool startup)
    {
        for (var n = 0; n < count && frames.Count > 0; n++)
        {
            var i = random.Next(frames.Count);
            var frame = frames[i];
            var bytes = (byte[])frame.Bytes.Clone();
            var header = startup && i == 0 ? 8 : 5;
            switch (random.Next(10))
            {
                case 0:
                    frames[i] = frame with { Bytes = bytes[..random.Next(0, bytes.Length)], Fields = [] };
                    break;
                case 1:
                case 2:
                    if (frame.Fields.Count == 0) goto case 3;
                    var (offset, size) = frame.Fields[random.Next(frame.Fields.Count)];
                    if (offset + size > bytes.Length) break;
                    var current = size == 4 ? BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(offset));
                    var lie = random.Next(3) switch { 0 => NastyInts[random.Next(NastyInts.Length)], 1 => current + random.Next(-3, 4), _ => random.Next() };
                    if (size == 4) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(offset), lie);
                    else BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(offset), unchecked((short)lie));
                    frames[i] = frame with { Bytes = bytes };
                    break;
                case 3:
                    frames[i] = frame with { Bytes = Flipped(random, bytes) };
                    break;
                case 4:
                    if (bytes.Length > header) bytes[random.Next(header, bytes.Length)] = random.Next(3) switch { 0 => 0xC3, 1 => 0xFF, _ => 0x80 };
                    frames[i] = frame with { Bytes = bytes };
                    break;
                case 5:
                    // Every 16-bit count claims 65535.
                    foreach (var (o, s) in frame.Fields.Where(f => f.Size == 2 && f.Offset + 2 <= bytes.Length)) BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(o), -1);
                    frames[i] = frame with { Bytes = bytes };
                    break;
                case 6:
                    // Out of order: the frame moves elsewhere.
                    frames.RemoveAt(i);
                    frames.Insert(random.Next(frames.Count + 1), frame);
                    break;
                case 7:
                    frames.Insert(i, frame);
                    break;
                case 8:
                    var noise = Bytes(random, random.Next(1, 64));
                    if (!startup || i > 0) noise[0] = (byte)"BCdcfDEHPpQS"[random.Next(12)];
                    frames[i] = new PgFuzzFrame(noise, []);
                    break;
                default:
                    // Bytes stuffed inside the frame, its length grown to cover them.
                    var extra = Bytes(random, random.Next(1, 16));
                    var grown = bytes.Concat(extra).ToArray();
                    var lengthAt = header == 8 ? 0 : 1;
                    if (grown.Length >= lengthAt + 4)
                        BinaryPrimitives.WriteInt32BigEndian(grown.AsSpan(lengthAt), BinaryPrimitives.ReadInt32BigEndian(grown.AsSpan(lengthAt)) + extra.Length);
                    frames[i] = frame with { Bytes = grown };
                    break;
            }
        }
    }

    private static byte[] Flipped(Random random, byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        for (var k = random.Next(1, 5); k > 0 && copy.Length > 0; k--) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Concat(List<PgFuzzFrame> frames, byte[] tail)
    {
        var all = new byte[frames.Sum(f => f.Bytes.Length) + tail.Length];
        var at = 0;
        foreach (var frame in frames)
        {
            frame.Bytes.CopyTo(all, at);
            at += frame.Bytes.Length;
        }

        tail.CopyTo(all, at);
        return all;
    }
}
