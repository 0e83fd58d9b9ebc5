using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Ladle.Protocol.Postgres.Frontend;
using Ladle.Protocol.Postgres.Scram;
using Ladle.Protocol.Postgres.Tests.Support;
using Ladle.Protocol.Postgres.Types;

namespace Ladle.Protocol.Postgres.Tests;

/// <summary>
/// The codec on its own under hostile input: random frames and valid frames mutated in every length field, cut,
/// flipped, stuffed with bad UTF-8 and huge counts. The only outcomes allowed are "parsed", "need more" and
/// <see cref="PgProtocolException"/>; no parse may allocate more than a bound proportional to the bytes present.
/// </summary>
public sealed class FuzzTests
{
    private const int Iterations = 120_000;
    private const int AllocationSlack = 64 * 1024;

    private static readonly PgProtocolLimits Limits = new()
    {
        MaxMessageSize = 4096,
        MaxBindMessageSize = 16384,
        MaxParameters = 1000,
        MaxStringLength = 2048,
        MaxStartupPacketSize = 2048,
        MaxStartupParameters = 16,
    };

    private static readonly byte[] TypeBytes = "BCdcfDEHPpQSX"u8.ToArray();

    private static readonly int[] NastyInts = [-1, -2, 0, 1, 2, 3, 4, 5, 7, 8, 0x7fff, 0x8000, 0xffff, 0x10000, int.MaxValue, int.MinValue, 4096, 4097, 16384, 16385];

    [Fact]
    public void Random_and_mutated_frames_only_parse_ask_for_more_or_throw_protocol_errors()
    {
        var random = new Random(20261128);
        var typed = TypedCorpus();
        var startup = StartupCorpus();
        var outcomes = new int[3];
        for (var i = 0; i < Iterations; i++)
        {
            var isStartup = i % 5 == 0;
            var corpus = isStartup ? startup : typed;
            var bytes = Mutate(random, corpus[random.Next(corpus.Count)], isStartup);
            var cuts = random.Next(3) == 0 ? RandomCuts(random, bytes.Length) : [];
            outcomes[ParseAll(bytes, cuts, isStartup, checkAllocations: i > 2000, decodeValues: i % 50 == 0, $"iteration {i}")]++;
        }

        // The corpus really exercises all three outcomes, so the test would notice a parser that always throws.
        Assert.All(outcomes, count => Assert.True(count > Iterations / 50, $"outcomes parsed/need-more/error: {string.Join('/', outcomes)}"));
    }

    [Fact]
    public void Round_trip_of_random_front_end_messages_through_a_writer_and_the_parser()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var values = Enumerable.Range(0, random.Next(0, 20)).Select(_ => random.Next(4) == 0 ? null : RandomBytes(random, random.Next(0, 64))).ToArray();
            var formats = Enumerable.Range(0, random.Next(3) == 0 ? values.Length : random.Next(0, 2)).Select(_ => (short)random.Next(2)).ToArray();
            var results = Enumerable.Range(0, random.Next(0, 5)).Select(_ => (short)random.Next(2)).ToArray();
            var portal = RandomText(random, random.Next(0, 10));
            var sql = RandomText(random, random.Next(0, 200));
            var bytes = new TestFrontendWriter().Bind(portal, "s", formats, values, results).Query(sql).ToArray();

            var buffer = Sequences.Split(bytes, RandomCuts(random, bytes.Length));
            Assert.True(FrontendParser.TryParse(buffer, Limits, out var first, out var consumed, out _));
            var bind = Assert.IsType<BindMessage>(first);
            Assert.Equal(portal, bind.PortalName);
            Assert.Equal(values.Length, bind.Parameters.Count);
            for (var p = 0; p < values.Length; p++)
            {
                Assert.Equal(values[p] is null, bind.Parameters[p].IsNull);
                Assert.Equal(values[p] ?? [], bind.Parameters[p].Value.ToArray());
                Assert.Equal(formats.Length == 0 ? PgFormatCode.Text : (PgFormatCode)formats[formats.Length == 1 ? 0 : p], bind.GetParameterFormat(p));
            }

            Assert.Equal(results.Select(r => (PgFormatCode)r), bind.ResultFormats);
            Assert.True(FrontendParser.TryParse(buffer.Slice(consumed), Limits, out var second, out var consumed2, out _));
            Assert.Equal(sql, Assert.IsType<QueryMessage>(second).Sql);
            Assert.Equal(bytes.Length, consumed + consumed2);
        }
    }

    [Fact]
    public void Value_decoders_and_the_scram_exchange_only_throw_protocol_errors_on_random_input()
    {
        var random = new Random(99);
        var verifier = ScramVerifier.Create("pw", 4096, [1, 2, 3, 4]);
        var scramSeeds = new[] { "n,,n=,r=abc", "y,,n=u,r=x", "c=biws,r=abcSERVER,p=AAAA", "p=x,,n=,r=a" };
        for (var i = 0; i < 5_000; i++)
        {
            var value = random.Next(2) == 0 ? RandomBytes(random, random.Next(0, 40)) : Encoding.UTF8.GetBytes(Interesting(random));
            DecodeEverything(value);
            var exchange = new ScramServerExchange("u", verifier) { ServerNonceForTests = "SERVER" };
            var first = Encoding.UTF8.GetBytes(scramSeeds[random.Next(scramSeeds.Length)]);
            Flip(random, first);
            try
            {
                exchange.HandleClientFirst(first);
                var final = Encoding.UTF8.GetBytes(scramSeeds[2]);
                Flip(random, final);
                exchange.TryHandleClientFinal(final, out _);
            }
            catch (PgProtocolException)
            {
            }
        }
    }

    private static int ParseAll(byte[] bytes, int[] cuts, bool isStartup, bool checkAllocations, bool decodeValues, string where)
    {
        var buffer = Sequences.Split(bytes, cuts);
        var outcome = 0;
        for (var frames = 0; frames < 4 && buffer.Length > 0; frames++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                bool parsed;
                int consumed;
                int needed;
                object? message;
                if (isStartup)
                {
                    parsed = StartupParser.TryParse(buffer, Limits, out var packet, out consumed, out needed);
                    message = packet;
                }
                else
                {
                    parsed = FrontendParser.TryParse(buffer, Limits, out var typed, out consumed, out needed);
                    message = typed;
                }

                CheckAllocation(before, buffer.Length, checkAllocations, where, bytes);
                if (!parsed)
                {
                    Assert.True(needed > buffer.Length, $"{where}: need-more asked for {needed} with {buffer.Length} present");
                    Assert.True(needed <= Limits.MaxBindMessageSize + 1, $"{where}: asked for {needed}, over every limit");
                    Assert.Null(message);
                    return Math.Max(outcome, 1);
                }

                Assert.NotNull(message);
                Assert.InRange(consumed, isStartup ? 8 : 5, (int)buffer.Length);
                Exercise(message, decodeValues);
                buffer = buffer.Slice(consumed);
                outcome = 0;
            }
            catch (PgProtocolException e)
            {
                Assert.Matches("^[0-9A-Z]{5}$", e.SqlState);
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                return 2;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"{where}: {e.GetType().Name} {e.Message} on {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 64)))}");
            }
        }

        return outcome;
    }

    private static void CheckAllocation(long before, long present, bool check, string where, byte[] bytes)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (check && allocated > AllocationSlack + (8 * present))
        {
            Assert.Fail($"{where}: allocated {allocated} bytes for {present} bytes of input: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 64)))}");
        }
    }

    /// <summary>
    /// Uses what a parsed message offers, as a server would: the 'p' helpers, and (on a sample, since most values
    /// fail most decoders and exceptions are slow) every decoder on each Bind value.
    /// </summary>
    private static void Exercise(object message, bool decodeValues)
    {
        switch (message)
        {
            case PasswordMessage password:
                Try(() => password.ReadCleartextPassword());
                Try(() => password.ReadSaslInitialResponse());
                break;
            case BindMessage bind when decodeValues:
                foreach (var parameter in bind.Parameters)
                {
                    if (!parameter.IsNull)
                    {
                        DecodeEverything(parameter.Value.ToArray());
                    }
                }

                break;
        }
    }

    private static void DecodeEverything(byte[] value)
    {
        Try(() => BoolCodec.ReadText(value));
        Try(() => BoolCodec.ReadBinary(value));
        Try(() => Int2Codec.ReadText(value));
        Try(() => Int2Codec.ReadBinary(value));
        Try(() => Int4Codec.ReadText(value));
        Try(() => Int4Codec.ReadBinary(value));
        Try(() => Int8Codec.ReadText(value));
        Try(() => Int8Codec.ReadBinary(value));
        Try(() => Float4Codec.ReadText(value));
        Try(() => Float4Codec.ReadBinary(value));
        Try(() => Float8Codec.ReadText(value));
        Try(() => Float8Codec.ReadBinary(value));
        Try(() => NumericCodec.ReadText(value));
        Try(() => NumericCodec.ReadBinary(value));
        Try(() => NumericCodec.ReadBinaryAsString(value));
        Try(() => TextCodec.Read(value));
        Try(() => JsonCodec.Read(value));
        Try(() => ByteaCodec.ReadText(value));
        Try(() => UuidCodec.ReadText(value));
        Try(() => UuidCodec.ReadBinary(value));
        Try(() => DateCodec.ReadText(value));
        Try(() => DateCodec.ReadBinary(value));
        Try(() => TimestampCodec.ReadText(value));
        Try(() => TimestampCodec.ReadBinary(value));
        Try(() => TimestampTzCodec.ReadText(value));
        Try(() => TimestampTzCodec.ReadBinary(value));
        Try(() => IntervalCodec.ReadText(value));
        Try(() => IntervalCodec.ReadBinary(value));
    }

    private static void Try<T>(Func<T> decode)
    {
        try
        {
            decode();
        }
        catch (PgProtocolException)
        {
        }
    }

    private static List<(byte[] Bytes, IReadOnlyList<(int Offset, int Size)> Fields)> TypedCorpus()
    {
        TestFrontendWriter[] writers =
        [
            new TestFrontendWriter().Query("select * from orders where region = 'nord' -- ü"),
            new TestFrontendWriter().Parse("stmt", "select $1, $2, $3", 23, 25, 0),
            new TestFrontendWriter().Bind("p", "stmt", [1, 0, 1], [[0, 0, 0, 1], "text"u8.ToArray(), null], [1, 0]),
            new TestFrontendWriter().Bind("", "", [0], [Encoding.UTF8.GetBytes("2024-01-02 03:04:05+01"), Encoding.UTF8.GetBytes("1 day 02:00:00"), Encoding.UTF8.GetBytes("12.5e1"), Encoding.UTF8.GetBytes("\\x00ff")], []),
            new TestFrontendWriter().Bind("", "", [1], [[0, 2, 0, 0, 0, 0, 0, 3, 0, 12, 0x13, 0x88], [0, 0, 0, 0, 0, 0, 0, 1], new byte[16]], [1]),
            new TestFrontendWriter().Describe('S', "stmt"),
            new TestFrontendWriter().Describe('P', ""),
            new TestFrontendWriter().Execute("p", 10),
            new TestFrontendWriter().Close('S', "stmt"),
            new TestFrontendWriter().Empty('S'),
            new TestFrontendWriter().Empty('H'),
            new TestFrontendWriter().Empty('X'),
            new TestFrontendWriter().Empty('c'),
            new TestFrontendWriter().Password("secret"),
            new TestFrontendWriter().SaslInitial("SCRAM-SHA-256", "n,,n=,r=abcdef"u8.ToArray()),
            new TestFrontendWriter().Raw('p', "c=biws,r=abc,p=xyz"u8.ToArray()),
            new TestFrontendWriter().Raw('d', [1, 2, 3, 4]),
            new TestFrontendWriter().CopyFail("stop"),
        ];
        return [.. writers.Select(w => (w.ToArray(), w.LengthFields))];
    }

    private static List<(byte[] Bytes, IReadOnlyList<(int Offset, int Size)> Fields)> StartupCorpus()
    {
        TestFrontendWriter[] writers =
        [
            new TestFrontendWriter().Startup(3, 0, ("user", "alice"), ("database", "shop"), ("application_name", "psql"), ("client_encoding", "UTF8")),
            new TestFrontendWriter().Startup(3, 2, ("user", "bob"), ("_pq_.x", "1")),
            new TestFrontendWriter().Request(80877103),
            new TestFrontendWriter().Request(80877104),
            new TestFrontendWriter().Cancel(12, 34),
        ];
        return [.. writers.Select(w => (w.ToArray(), w.LengthFields))];
    }

    private static byte[] Mutate(Random random, (byte[] Bytes, IReadOnlyList<(int Offset, int Size)> Fields) seed, bool isStartup)
    {
        var bytes = (byte[])seed.Bytes.Clone();
        switch (random.Next(9))
        {
            case 0:
                var noise = RandomBytes(random, random.Next(0, 300));
                if (noise.Length > 0 && !isStartup && random.Next(2) == 0)
                {
                    noise[0] = TypeBytes[random.Next(TypeBytes.Length)];
                }

                return noise;
            case 1:
                return bytes[..random.Next(0, bytes.Length)];
            case 2:
                Flip(random, bytes);
                return bytes;
            case 3:
            case 4:
                var (offset, size) = seed.Fields[random.Next(seed.Fields.Count)];
                var current = size == 4 ? BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(offset));
                var lie = random.Next(3) switch
                {
                    0 => NastyInts[random.Next(NastyInts.Length)],
                    1 => current + random.Next(-3, 4),
                    _ => random.Next(),
                };
                if (size == 4)
                {
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(offset), lie);
                }
                else
                {
                    BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(offset), unchecked((short)lie));
                }

                return bytes;
            case 5:
                // Bad UTF-8 where strings are.
                bytes[random.Next(Math.Min(isStartup ? 8 : 5, bytes.Length - 1), bytes.Length)] = random.Next(3) switch { 0 => 0xC3, 1 => 0xFF, _ => 0x80 };
                return bytes;
            case 6:
                // Huge counts: every 16-bit field claims 65535.
                foreach (var (o, s) in seed.Fields.Where(f => f.Size == 2))
                {
                    BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(o), -1);
                }

                return bytes;
            case 7:
                // Trailing bytes inside the frame: the length is grown to cover them.
                var extra = RandomBytes(random, random.Next(1, 8));
                var grown = bytes.Concat(extra).ToArray();
                var lengthAt = isStartup ? 0 : 1;
                BinaryPrimitives.WriteInt32BigEndian(grown.AsSpan(lengthAt), BinaryPrimitives.ReadInt32BigEndian(grown.AsSpan(lengthAt)) + extra.Length);
                return grown;
            default:
                // Several frames back to back, the last one cut.
                var twice = bytes.Concat(bytes).Concat(bytes).ToArray();
                return twice[..random.Next(bytes.Length, twice.Length + 1)];
        }
    }

    private static void Flip(Random random, byte[] bytes)
    {
        for (var k = random.Next(1, 5); k > 0 && bytes.Length > 0; k--)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }
    }

    private static int[] RandomCuts(Random random, int length) =>
        length < 2 ? [] : [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(1, length)).Order()];

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string RandomText(Random random, int length)
    {
        const string alphabet = "abcxyz019 ,;'\"\\-_éü☃𝄞\n\t";
        var builder = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var c = alphabet[random.Next(alphabet.Length)];
            if (char.IsHighSurrogate(c))
            {
                builder.Append("𝄞");
            }
            else if (!char.IsLowSurrogate(c))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string Interesting(Random random)
    {
        string[] pieces = ["-", "+", "1", "9999999999999999999999", ".", "e", "E+400", ":", " ", "day", "mons", "ago", "@", "infinity", "NaN", "\\x", "ff", "{", "}", "T", "Z", "+05:30", "2024-01-02", "25:61:61", "t", "yes", "0044", " BC", "[", "\"", "1.5", "P1D"];
        var builder = new StringBuilder();
        for (var i = random.Next(1, 8); i > 0; i--)
        {
            builder.Append(pieces[random.Next(pieces.Length)]);
        }

        return builder.ToString();
    }
}
