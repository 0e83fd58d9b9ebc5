using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Ladle.Core.Model;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Types;
using Ladle.Server.Postgres;

namespace Ladle.Server.Tests.Postgres;

/// <summary>Result columns stated with their PostgreSQL types, values written with the codec, parameters read back into .NET values.</summary>
public sealed class PgWireTypesTests
{
    [Theory]
    [InlineData("SMALLINT", LadleType.Integer, PgTypeOid.Int2, -1)]
    [InlineData("INTEGER", LadleType.Integer, PgTypeOid.Int4, -1)]
    [InlineData("BIGINT", LadleType.Integer, PgTypeOid.Int8, -1)]
    [InlineData("FLOAT", LadleType.Double, PgTypeOid.Float4, -1)]
    [InlineData("DOUBLE", LadleType.Double, PgTypeOid.Float8, -1)]
    [InlineData("DECIMAL(10,2)", LadleType.Decimal, PgTypeOid.Numeric, (10 << 16 | 2) + 4)]
    [InlineData("VARCHAR", LadleType.String, PgTypeOid.Text, -1)]
    [InlineData("BOOLEAN", LadleType.Boolean, PgTypeOid.Bool, -1)]
    [InlineData("DATE", LadleType.Date, PgTypeOid.Date, -1)]
    [InlineData("TIMESTAMP", LadleType.Timestamp, PgTypeOid.Timestamp, -1)]
    [InlineData("TIMESTAMP WITH TIME ZONE", LadleType.Timestamp, PgTypeOid.TimestampTz, -1)]
    [InlineData("UUID", LadleType.String, PgTypeOid.Uuid, -1)]
    [InlineData("INTERVAL", LadleType.String, PgTypeOid.Interval, -1)]
    [InlineData("BLOB", LadleType.String, PgTypeOid.Bytea, -1)]
    [InlineData("JSON", LadleType.String, PgTypeOid.Json, -1)]
    [InlineData("STRUCT(a INTEGER)", LadleType.String, PgTypeOid.Text, -1)]
    [InlineData("UUID", LadleType.Integer, PgTypeOid.Int8, -1)]
    [InlineData(null, LadleType.Decimal, PgTypeOid.Numeric, -1)]
    [InlineData(null, LadleType.Integer, PgTypeOid.Int8, -1)]
    public void A_column_is_stated_with_the_engines_type_when_its_values_can_be_written_as_it(string? engine, LadleType type, PgTypeOid oid, int modifier) =>
        Assert.Equal((oid, modifier), PgWireColumn.TypeOf(new ResultColumn("c", type) { EngineType = engine }));

    [Fact]
    public async Task Every_type_is_written_in_binary_as_postgresql_sends_it()
    {
        var uuid = Guid.Parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        var schema = new ResultSchema([
            new ResultColumn("i2", LadleType.Integer) { EngineType = "SMALLINT" },
            new ResultColumn("i4", LadleType.Integer) { EngineType = "INTEGER" },
            new ResultColumn("f4", LadleType.Double) { EngineType = "FLOAT" },
            new ResultColumn("n", LadleType.Decimal) { EngineType = "DECIMAL(10,2)" },
            new ResultColumn("tz", LadleType.Timestamp) { EngineType = "TIMESTAMP WITH TIME ZONE" },
            new ResultColumn("u", LadleType.String) { EngineType = "UUID" },
            new ResultColumn("b", LadleType.String) { EngineType = "BLOB" },
            new ResultColumn("iv", LadleType.String) { EngineType = "INTERVAL" },
            new ResultColumn("j", LadleType.String) { EngineType = "JSON" },
            new ResultColumn("missing", LadleType.String),
        ]);
        var instant = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var rows = new BatchListStream(schema, [[(short)7, 70_000, 1.5, 1.23m, instant, uuid.ToString(), Convert.ToBase64String([0xde, 0xad]), "1 day 02:00:00", "{\"a\":1}", null]]);

        var values = await WriteOneRowAsync(rows, PgFormatCode.Binary);

        Assert.Equal(7, Int2Codec.ReadBinary(values[0]!));
        Assert.Equal(70_000, Int4Codec.ReadBinary(values[1]!));
        Assert.Equal(1.5f, Float4Codec.ReadBinary(values[2]!));
        Assert.Equal(1.23m, NumericCodec.ReadBinary(values[3]!));
        Assert.Equal(instant, TimestampTzCodec.ReadBinary(values[4]!).UtcDateTime);
        Assert.Equal(uuid, UuidCodec.ReadBinary(values[5]!));
        Assert.Equal([0xde, 0xad], ByteaCodec.ReadBinary(values[6]!));
        Assert.Equal(new PgInterval(0, 1, 2L * 3600 * 1_000_000), IntervalCodec.ReadBinary(values[7]!));
        Assert.Equal("{\"a\":1}", JsonCodec.Read(values[8]!));
        Assert.Null(values[9]);
    }

    [Fact]
    public async Task Text_format_uses_postgresql_spellings()
    {
        var schema = new ResultSchema([
            new ResultColumn("b", LadleType.Boolean), new ResultColumn("tz", LadleType.Timestamp) { EngineType = "TIMESTAMPTZ" },
            new ResultColumn("bytes", LadleType.String) { EngineType = "BLOB" }, new ResultColumn("iv", LadleType.String) { EngineType = "INTERVAL" },
        ]);
        var rows = new BatchListStream(schema, [[true, new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), Convert.ToBase64String([0xde, 0xad]), "1 day 02:00:00"]]);

        var values = await WriteOneRowAsync(rows, PgFormatCode.Text);

        Assert.Equal(["t", "2024-01-02 03:04:05+00", "\\xdead", "1 day 02:00:00"], values.Select(v => System.Text.Encoding.UTF8.GetString(v!)));
    }

    [Fact]
    public void Bound_parameters_become_the_values_a_sql_request_carries()
    {
        Assert.Equal(42L, PgWireParameters.Decode((uint)PgTypeOid.Int4, PgFormatCode.Binary, [0, 0, 0, 42]));
        Assert.Equal(1.25m, PgWireParameters.Decode((uint)PgTypeOid.Numeric, PgFormatCode.Text, "1.25"u8));
        Assert.Equal(new DateOnly(2024, 1, 2), PgWireParameters.Decode((uint)PgTypeOid.Date, PgFormatCode.Text, "2024-01-02"u8));
        Assert.Equal(Guid.Parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), PgWireParameters.Decode((uint)PgTypeOid.Uuid, PgFormatCode.Text, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"u8));
        Assert.Equal(TimeSpan.FromDays(1), PgWireParameters.Decode((uint)PgTypeOid.Interval, PgFormatCode.Text, "1 day"u8));
        Assert.Equal("EU", PgWireParameters.Decode(0, PgFormatCode.Text, "EU"u8));
        Assert.Equal("EU", PgWireParameters.Decode(1043, PgFormatCode.Text, "EU"u8));
    }

    [Fact]
    public void A_parameter_that_does_not_decode_names_its_number_not_its_value()
    {
        var bind = new Protocol.Postgres.Frontend.BindMessage("", "", [], [new(new byte[] { (byte)'x', (byte)'9' }, false)], []);
        var error = Assert.Throws<PgWireException>(() => PgWireParameters.Decode(bind, [(uint)PgTypeOid.Int4]));
        Assert.Equal("22P02", error.SqlState);
        Assert.StartsWith("parameter $1:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("x9", error.Message, StringComparison.Ordinal);

        Assert.Equal("0A000", Assert.Throws<PgWireException>(() => PgWireParameters.Decode(0, PgFormatCode.Binary, [1, 2])).SqlState);
    }

    [Fact]
    public async Task A_dataset_that_is_not_ok_is_named_in_a_warning_before_the_rows()
    {
        var pipe = new Pipe();
        var sink = new PgWireSink(pipe.Writer, new PgWireDataRows([], describe: true));
        var answer = new Engine.Serving.ReadAnswer(new Core.Plans.TrustedSqlPlan("SELECT 1"), Engine.Trust.DataHealth.Ok,
        [
            new("orders", "table", 3, DateTimeOffset.UnixEpoch, Engine.Trust.DataHealth.Ok),
            new("customers", "table", 5, DateTimeOffset.UnixEpoch, new Engine.Trust.DataHealth(Engine.Trust.DataStatus.Stale, "older than its freshness promise of 1h")),
        ]) { Name = "query" };

        sink.Begin(answer);
        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();
        var bytes = (await pipe.Reader.ReadAsync()).Buffer.ToArray();

        Assert.Equal((byte)'N', bytes[0]);
        Assert.Equal(1 + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1)), bytes.Length);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Contains("dataset \"customers\" is stale: older than its freshness promise of 1h", text, StringComparison.Ordinal);
        Assert.DoesNotContain("orders", text, StringComparison.Ordinal);
    }

    /// <summary>The sink's one DataRow for <paramref name="rows"/>, each value's bytes (null for NULL).</summary>
    private static async Task<byte[]?[]> WriteOneRowAsync(ResultStream rows, PgFormatCode format)
    {
        var pipe = new Pipe();
        var sink = new PgWireSink(pipe.Writer, new PgWireDataRows([format], describe: true));
        await sink.WriteAsync(rows, Stream.Null, new EncodeContext { Name = "t" }, CancellationToken.None);
        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();
        var bytes = (await pipe.Reader.ReadAsync()).Buffer.ToArray();
        var at = 0;
        Assert.Equal((byte)'T', bytes[at]);
        at += 1 + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 1));
        Assert.Equal((byte)'D', bytes[at]);
        var count = BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(at + 5));
        at += 7;
        var values = new byte[]?[count];
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at));
            at += 4;
            if (length < 0) continue;
            values[i] = bytes.AsSpan(at, length).ToArray();
            at += length;
        }

        return values;
    }
}
