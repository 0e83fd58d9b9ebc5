using System.Globalization;
using CsvHelper;
using Ladle.Core.Model;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;

namespace Ladle.Engine.Tests.Encoders;

public sealed class CsvEncoderTests
{
    [Fact]
    public async Task Csv_round_trips_every_type_through_CsvHelper()
    {
        var bytes = await Sample.EncodeAsync(new CsvEncoder(), Sample.Result());

        using var reader = CsvReader.Create(bytes, CsvReaderOptions.Default with { Separator = ',' });
        reader.ReadHeader();
        Assert.Equal(Sample.Schema.Columns.Select(c => c.Name), reader.Headers);
        var k = 0;
        while (reader.Read())
        {
            Assert.Equal(Sample.Schema.Columns.Count, reader.FieldCount);
            for (var c = 0; c < Sample.Schema.Columns.Count; c++) AssertField(Sample.Value(k, c), reader.GetString(c));
            k++;
        }
        Assert.Equal(Sample.Rows, k);
    }

    [Fact]
    public async Task Csv_quotes_fields_with_commas_quotes_and_newlines()
    {
        var schema = new ResultSchema([new ResultColumn("a, \"b\"", LadleType.String), new ResultColumn("n", LadleType.Integer)]);
        var rows = new List<object?[]>
        {
            new object?[] { "x,y", 1L },
            new object?[] { "say \"hi\"", 2L },
            new object?[] { "cr\rlf\n", 3L },
            new object?[] { "plain =1+1", 4L },
        };

        var text = System.Text.Encoding.UTF8.GetString(await Sample.EncodeAsync(new CsvEncoder(), new BatchListStream(schema, rows)));

        Assert.Equal("\"a, \"\"b\"\"\",n\r\n\"x,y\",1\r\n\"say \"\"hi\"\"\",2\r\n\"cr\rlf\n\",3\r\nplain =1+1,4\r\n", text);
    }

    [Fact]
    public async Task Csv_writes_null_as_an_empty_field_and_the_empty_string_quoted()
    {
        var schema = new ResultSchema([new ResultColumn("s", LadleType.String), new ResultColumn("n", LadleType.Integer)]);
        var rows = new List<object?[]> { new object?[] { null, null }, new object?[] { "", 0L } };

        var text = System.Text.Encoding.UTF8.GetString(await Sample.EncodeAsync(new CsvEncoder(), new BatchListStream(schema, rows)));

        Assert.Equal("s,n\r\n,\r\n\"\",0\r\n", text);
    }

    [Fact]
    public async Task Csv_writes_invariant_dates_timestamps_booleans_and_shortest_doubles()
    {
        var schema = new ResultSchema(
        [
            new ResultColumn("d", LadleType.Date), new ResultColumn("t", LadleType.Timestamp), new ResultColumn("b", LadleType.Boolean),
            new ResultColumn("x", LadleType.Double), new ResultColumn("m", LadleType.Decimal),
        ]);
        var rows = new List<object?[]>
        {
            new object?[] { new DateOnly(2024, 2, 29), new DateTime(2024, 2, 29, 13, 5, 9, DateTimeKind.Utc), true, 0.1 + 0.2, 1234.5000m },
            new object?[] { new DateOnly(1, 1, 1), new DateTime(2024, 2, 29, 13, 5, 9, DateTimeKind.Utc).AddTicks(1_234_560), false, double.NaN, -0.000000001m },
            new object?[] { new DateOnly(9999, 12, 31), new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(10), false, double.NegativeInfinity, 0m },
        };

        var text = System.Text.Encoding.UTF8.GetString(await Sample.EncodeAsync(new CsvEncoder(), new BatchListStream(schema, rows)));

        Assert.Equal(
            "d,t,b,x,m\r\n" +
            "2024-02-29,2024-02-29 13:05:09Z,true,0.30000000000000004,1234.5000\r\n" +
            "0001-01-01,2024-02-29 13:05:09.123456Z,false,NaN,-0.000000001\r\n" +
            "9999-12-31,0001-01-01 00:00:00.000001Z,false,-Infinity,0\r\n",
            text);
    }

    [Fact]
    public async Task Csv_doubles_read_back_exactly_even_where_the_runtime_misformats_them()
    {
        var schema = new ResultSchema([new ResultColumn("d", LadleType.Double)]);
        double[] values = [Math.Pow(2, -25), -Math.Pow(2, -958), 0.1, 1.0 / 3, double.Epsilon, 1e21, 1.0];

        var text = System.Text.Encoding.UTF8.GetString(await Sample.EncodeAsync(new CsvEncoder(), new BatchListStream(schema, values.Select(v => new object?[] { v }).ToList())));

        var lines = text.Split("\r\n")[1..^1];
        Assert.Equal(values, lines.Select(l => double.Parse(l, CultureInfo.InvariantCulture)));
        Assert.Equal("1", lines[^1]);
    }

    [Fact]
    public async Task Csv_of_an_empty_result_is_the_header_alone()
    {
        var text = System.Text.Encoding.UTF8.GetString(await Sample.EncodeAsync(new CsvEncoder(), Sample.Result(rows: 0)));

        Assert.Equal("text,whole,real,money,flag,day,moment\r\n", text);
    }

    private static void AssertField(object? expected, string actual)
    {
        switch (expected)
        {
            case null: Assert.Equal("", actual); break;
            case string s: Assert.Equal(s, actual); break;
            case long l: Assert.Equal(l, long.Parse(actual, CultureInfo.InvariantCulture)); break;
            case double d: Assert.Equal(d, double.Parse(actual, CultureInfo.InvariantCulture)); break;
            case decimal m: Assert.Equal(m, decimal.Parse(actual, CultureInfo.InvariantCulture)); break;
            case bool b: Assert.Equal(b ? "true" : "false", actual); break;
            case DateOnly day: Assert.Equal(day, DateOnly.ParseExact(actual, "yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
            case DateTime moment:
                Assert.Equal(moment, DateTime.ParseExact(actual, "yyyy-MM-dd HH:mm:ss.FFFFFFK", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
                break;
            default: throw new InvalidOperationException(expected.GetType().Name);
        }
    }
}
