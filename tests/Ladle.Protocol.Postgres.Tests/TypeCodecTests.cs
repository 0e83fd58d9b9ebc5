using System.Buffers;
using System.Text;
using Ladle.Protocol.Postgres.Tests.Support;
using Ladle.Protocol.Postgres.Types;
using NpgsqlTypes;

namespace Ladle.Protocol.Postgres.Tests;

/// <summary>Every codec against the real PostgreSQL 15: the same text spelling, the same send bytes, and reading PostgreSQL's own output back.</summary>
public sealed class TypeCodecTests(PostgresOracle pg) : IClassFixture<PostgresOracle>
{
    private delegate T Reader<out T>(ReadOnlySpan<byte> value);

    [Fact]
    public async Task Bool_matches_postgres() => await CheckAll("boolean", "boolsend", [true, false], BoolCodec.WriteText, BoolCodec.WriteBinary, BoolCodec.ReadText, BoolCodec.ReadBinary);

    [Fact]
    public async Task Integers_match_postgres()
    {
        await CheckAll<short>("int2", "int2send", [0, 1, -1, short.MinValue, short.MaxValue], Int2Codec.WriteText, Int2Codec.WriteBinary, Int2Codec.ReadText, Int2Codec.ReadBinary);
        await CheckAll("int4", "int4send", [0, 42, -42, int.MinValue, int.MaxValue], Int4Codec.WriteText, Int4Codec.WriteBinary, Int4Codec.ReadText, Int4Codec.ReadBinary);
        await CheckAll("int8", "int8send", [0L, 1L << 40, long.MinValue, long.MaxValue], Int8Codec.WriteText, Int8Codec.WriteBinary, Int8Codec.ReadText, Int8Codec.ReadBinary);
    }

    [Fact]
    public async Task Floats_match_postgres_shortest_spelling()
    {
        double[] doubles = [0, -0.0, 0.1, 1e20, 1.5e-7, 1e-5, 0.0001, 1e15, 1e14, 123456789012345678, 123.456, -2.5, double.Epsilon, double.MaxValue, double.MinValue, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1.0 / 3];
        await CheckAll("float8", "float8send", doubles, Float8Codec.WriteText, Float8Codec.WriteBinary, Float8Codec.ReadText, Float8Codec.ReadBinary);
        float[] floats = [0, 0.1f, 1234567f, 123456f, 1e-5f, 3.4e38f, float.Epsilon, -1.5f, float.NaN, float.NegativeInfinity, 1f / 3];
        await CheckAll("float4", "float4send", floats, Float4Codec.WriteText, Float4Codec.WriteBinary, Float4Codec.ReadText, Float4Codec.ReadBinary);
    }

    [Fact]
    public async Task Numeric_matches_postgres_in_both_formats()
    {
        decimal[] values = [0m, 12.500m, -0.0001m, 123456789.12m, 10000m, 1m, -1m, 0.5m, 99999999m, 100000000m, 79228162514264337593543950335m, -7.9228162514264337593543950335m, 0.0000000000000000000000000001m];
        await CheckAll("numeric", "numeric_send", values, NumericCodec.WriteText, NumericCodec.WriteBinary, NumericCodec.ReadText, NumericCodec.ReadBinary);
    }

    [Theory]
    [InlineData("1234567890123456789012345678901234567.8")]
    [InlineData("-0.00000000000000000000000000000000000012")]
    [InlineData("100000000000000000000000000000000000000")]
    [InlineData("0.000")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public async Task Numerics_wider_than_decimal_round_trip_through_their_spelling(string spelling)
    {
        var (text, binary) = await pg.SpellAsync("numeric", "numeric_send", spelling, NpgsqlDbType.Text);
        Assert.Equal(text, spelling);
        var ours = new ArrayBufferWriter<byte>();
        NumericCodec.WriteBinary(ours, spelling);
        Assert.Equal(Convert.ToHexString(binary), Convert.ToHexString(ours.WrittenSpan));
        Assert.Equal(spelling, NumericCodec.ReadBinaryAsString(binary));
    }

    [Fact]
    public async Task Text_and_json_match_postgres()
    {
        await CheckAll("text", "textsend", ["", "plain", "naïve ☃ 𝄞", "line\nbreak\ttab"], TextCodec.Write, TextCodec.Write, TextCodec.Read, TextCodec.Read);
        await CheckAll("json", "json_send", ["{\"a\": [1, 2.5, null, true]}", "\"ü\"", "[]"], JsonCodec.Write, JsonCodec.Write, JsonCodec.Read, JsonCodec.Read, NpgsqlDbType.Json);
    }

    [Fact]
    public async Task Bytea_and_uuid_match_postgres()
    {
        byte[][] blobs = [[], [0xde, 0xad, 0xbe, 0xef], [0, 1, 2, 0x7f, 0x80, 0xff]];
        foreach (var blob in blobs)
        {
            var (text, binary) = await pg.SpellAsync("bytea", "byteasend", blob);
            Assert.Equal(text, Write(w => ByteaCodec.WriteText(w, blob)));
            Assert.Equal(binary, WriteBytes(w => ByteaCodec.WriteBinary(w, blob)));
            Assert.Equal(blob, ByteaCodec.ReadText(Encoding.UTF8.GetBytes(text)));
            Assert.Equal(blob, ByteaCodec.ReadBinary(binary));
        }

        Guid[] guids = [Guid.Empty, Guid.Parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), Guid.Parse("ffffffff-0000-1111-2222-333344445555")];
        await CheckAll("uuid", "uuid_send", guids, UuidCodec.WriteText, UuidCodec.WriteBinary, UuidCodec.ReadText, UuidCodec.ReadBinary);
    }

    [Fact]
    public async Task Dates_and_timestamps_match_postgres()
    {
        DateOnly[] dates = [new(2024, 1, 2), new(2000, 1, 1), new(1999, 12, 31), new(1, 1, 2), new(9999, 12, 30), new(2024, 2, 29)];
        await CheckAll("date", "date_send", dates, DateCodec.WriteText, DateCodec.WriteBinary, DateCodec.ReadText, DateCodec.ReadBinary);

        DateTime[] stamps = [new(2024, 1, 2, 3, 4, 5, 123, 456), new(2000, 1, 1), new(1970, 1, 1, 0, 0, 0, 500), new(1, 1, 1, 0, 0, 1), new(9999, 12, 31, 23, 59, 59, 999, 999), new(2024, 6, 30, 12, 0, 0, 0, 10)];
        await CheckAll("timestamp", "timestamp_send", stamps, TimestampCodec.WriteText, TimestampCodec.WriteBinary, TimestampCodec.ReadText, TimestampCodec.ReadBinary, NpgsqlDbType.Timestamp);

        foreach (var stamp in stamps)
        {
            var instant = new DateTimeOffset(DateTime.SpecifyKind(stamp, DateTimeKind.Utc));
            var (text, binary) = await pg.SpellAsync("timestamptz", "timestamptz_send", instant.UtcDateTime, NpgsqlDbType.TimestampTz);
            Assert.Equal(text, Write(w => TimestampTzCodec.WriteText(w, instant)));
            Assert.Equal(binary, WriteBytes(w => TimestampTzCodec.WriteBinary(w, instant)));
            Assert.Equal(instant, TimestampTzCodec.ReadText(Encoding.UTF8.GetBytes(text)));
            Assert.Equal(instant, TimestampTzCodec.ReadBinary(binary));
        }
    }

    [Fact]
    public async Task Interval_matches_postgres_spelling()
    {
        PgInterval[] intervals =
        [
            new(14, -3, (((4 * 60) + 5) * 60 * 1_000_000L) + 6_789_000),
            new(0, -1, 2 * 3600 * 1_000_000L),
            new(0, 0, 0),
            new(-1, 0, 0),
            new(0, 0, -((4 * 60) + 5) * 60 * 1_000_000L),
            new(0, 0, 100 * 3600 * 1_000_000L),
            new(0, 1, -1_000_000),
            new(0, 0, 1_500_000),
            new(-14, 3, 0),
            new(12, 1, 1),
            new(int.MaxValue, int.MinValue, long.MaxValue),
        ];
        foreach (var interval in intervals)
        {
            var (text, binary) = await pg.SpellAsync("interval", "interval_send", new NpgsqlInterval(interval.Months, interval.Days, interval.Microseconds));
            Assert.Equal(text, Write(w => IntervalCodec.WriteText(w, interval)));
            Assert.Equal(binary, WriteBytes(w => IntervalCodec.WriteBinary(w, interval)));
            Assert.Equal(interval, IntervalCodec.ReadBinary(binary));
            if (interval.Microseconds != long.MaxValue)
            {
                Assert.Equal(interval, IntervalCodec.ReadText(Encoding.UTF8.GetBytes(text)));
            }
        }
    }

    [Theory]
    [InlineData("interval", "interval_send", "1.5 days")]
    [InlineData("interval", "interval_send", "@ 2 hours 30 mins ago")]
    [InlineData("interval", "interval_send", "1 year 6 months 2 weeks")]
    [InlineData("interval", "interval_send", "90 seconds")]
    [InlineData("interval", "interval_send", "-1 day +02:03:04.5")]
    [InlineData("interval", "interval_send", "3 ms")]
    [InlineData("timestamp", "timestamp_send", "2024-01-02T03:04:05.1234567")]
    [InlineData("timestamp", "timestamp_send", " 2024-01-02 ")]
    [InlineData("timestamptz", "timestamptz_send", "2024-01-02 03:04:05+05:30")]
    [InlineData("timestamptz", "timestamptz_send", "2024-01-02 03:04:05-0800")]
    [InlineData("timestamptz", "timestamptz_send", "2024-01-02 03:04:05Z")]
    [InlineData("boolean", "boolsend", " YES ")]
    [InlineData("boolean", "boolsend", "off")]
    [InlineData("bytea", "byteasend", "\\x0A ff")]
    [InlineData("bytea", "byteasend", "a\\\\b\\001")]
    [InlineData("uuid", "uuid_send", "{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}")]
    [InlineData("float8", "float8send", " -1.5E3 ")]
    [InlineData("float8", "float8send", "-inf")]
    [InlineData("numeric", "numeric_send", "1.5e3")]
    [InlineData("int4", "int4send", " +17 ")]
    public async Task Client_spellings_read_as_postgres_reads_them(string type, string send, string spelling)
    {
        var (_, expected) = await pg.SpellAsync(type, send, spelling, NpgsqlDbType.Text);
        var input = Encoding.UTF8.GetBytes(spelling);
        var ours = new ArrayBufferWriter<byte>();
        switch (type)
        {
            case "interval": IntervalCodec.WriteBinary(ours, IntervalCodec.ReadText(input)); break;
            case "timestamp": TimestampCodec.WriteBinary(ours, TimestampCodec.ReadText(input)); break;
            case "timestamptz": TimestampTzCodec.WriteBinary(ours, TimestampTzCodec.ReadText(input)); break;
            case "boolean": BoolCodec.WriteBinary(ours, BoolCodec.ReadText(input)); break;
            case "bytea": ByteaCodec.WriteBinary(ours, ByteaCodec.ReadText(input)); break;
            case "uuid": UuidCodec.WriteBinary(ours, UuidCodec.ReadText(input)); break;
            case "float8": Float8Codec.WriteBinary(ours, Float8Codec.ReadText(input)); break;
            case "numeric": NumericCodec.WriteBinary(ours, NumericCodec.ReadText(input)); break;
            case "int4": Int4Codec.WriteBinary(ours, Int4Codec.ReadText(input)); break;
        }

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(ours.WrittenSpan));
    }

    [Theory]
    [InlineData("int4", "99999999999", PgSqlState.NumericValueOutOfRange)]
    [InlineData("int4", "12a", PgSqlState.InvalidTextRepresentation)]
    [InlineData("float8", "1e400", PgSqlState.NumericValueOutOfRange)]
    [InlineData("bool", "maybe", PgSqlState.InvalidTextRepresentation)]
    [InlineData("date", "2024-13-01", PgSqlState.InvalidDatetimeFormat)]
    [InlineData("date", "0044-03-15 BC", PgSqlState.DatetimeFieldOverflow)]
    [InlineData("timestamp", "infinity", PgSqlState.DatetimeFieldOverflow)]
    [InlineData("interval", "3 fortnights", PgSqlState.InvalidDatetimeFormat)]
    [InlineData("uuid", "a0eebc99-9c0b", PgSqlState.InvalidTextRepresentation)]
    [InlineData("json", "{\"a\":", PgSqlState.InvalidTextRepresentation)]
    [InlineData("bytea", "\\xabc", PgSqlState.InvalidTextRepresentation)]
    public void Bad_parameter_text_is_a_value_error_that_keeps_the_session(string type, string spelling, string sqlState)
    {
        var input = Encoding.UTF8.GetBytes(spelling);
        var error = Assert.Throws<PgProtocolException>(() =>
        {
            _ = type switch
            {
                "int4" => Int4Codec.ReadText(input),
                "float8" => Float8Codec.ReadText(input),
                "bool" => BoolCodec.ReadText(input),
                "date" => (object)DateCodec.ReadText(input),
                "timestamp" => TimestampCodec.ReadText(input),
                "interval" => IntervalCodec.ReadText(input),
                "uuid" => UuidCodec.ReadText(input),
                "json" => JsonCodec.Read(input),
                _ => ByteaCodec.ReadText(input),
            };
        });
        Assert.Equal(sqlState, error.SqlState);
        Assert.False(error.IsFatal);
        Assert.DoesNotContain(spelling, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_of_the_wrong_width_is_invalid_binary_representation()
    {
        var error = Assert.Throws<PgProtocolException>(() => Int8Codec.ReadBinary([1, 2, 3]));
        Assert.Equal(PgSqlState.InvalidBinaryRepresentation, error.SqlState);
        Assert.Contains("expected 8 bytes, got 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_served_type_has_its_postgres_oid_name_and_size()
    {
        Assert.Equal(
            ["bool:16:1", "bytea:17:-1", "char:18:1", "name:19:64", "int8:20:8", "int2:21:2", "int4:23:4", "text:25:-1", "oid:26:4", "json:114:-1", "float4:700:4", "float8:701:8", "varchar:1043:-1", "date:1082:4", "timestamp:1114:8", "timestamptz:1184:8", "interval:1186:16", "numeric:1700:-1", "regclass:2205:4", "uuid:2950:16"],
            Enum.GetValues<PgTypeOid>().Select(oid => $"{PgTypes.Name(oid)}:{(uint)oid}:{PgTypes.Size(oid)}"));
    }

    private async Task CheckAll<T>(
        string type,
        string send,
        T[] values,
        Action<IBufferWriter<byte>, T> writeText,
        Action<IBufferWriter<byte>, T> writeBinary,
        Reader<T> readText,
        Reader<T> readBinary,
        NpgsqlDbType? dbType = null)
        where T : notnull
    {
        foreach (var value in values)
        {
            var (text, binary) = await pg.SpellAsync(type, send, value, dbType);
            Assert.True(text == Write(w => writeText(w, value)), $"{type} {value}: PostgreSQL writes '{text}', the codec '{Write(w => writeText(w, value))}'");
            Assert.True(
                binary.AsSpan().SequenceEqual(WriteBytes(w => writeBinary(w, value))),
                $"{type} {value}: PostgreSQL sends {Convert.ToHexString(binary)}, the codec {Convert.ToHexString(WriteBytes(w => writeBinary(w, value)))}");
            Assert.Equal(value, readText(Encoding.UTF8.GetBytes(text)));
            Assert.Equal(value, readBinary(binary));
        }
    }

    private static string Write(Action<IBufferWriter<byte>> write) => Encoding.UTF8.GetString(WriteBytes(write));

    private static byte[] WriteBytes(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }
}
