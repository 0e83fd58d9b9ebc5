using System.Text.Json;
using Ladle.Core.Model;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;

namespace Ladle.Engine.Tests.Encoders;

public sealed class JsonEncoderTests
{
    [Fact]
    public async Task Json_round_trips_every_type_null_and_awkward_value()
    {
        var bytes = await Sample.EncodeAsync(new JsonEncoder(), Sample.Result());

        using var document = JsonDocument.Parse(bytes);
        var rows = document.RootElement.GetProperty("rows");
        Assert.Equal(Sample.Rows, rows.GetArrayLength());
        var k = 0;
        foreach (var row in rows.EnumerateArray()) JsonRowAssert.Matches(k++, row);
    }

    [Fact]
    public async Task Json_envelope_states_data_columns_row_count_and_next_cursor()
    {
        long? counted = null;
        var context = new EncodeContext
        {
            Data = new Dictionary<string, object?> { ["dataset"] = "orders", ["version"] = 7L, ["status"] = null },
            NextCursor = n => { counted = n; return "abc123"; },
        };

        var bytes = await Sample.EncodeAsync(new JsonEncoder(), Sample.Result(rows: 5000), context);

        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        Assert.Equal(["data", "columns", "rows", "row_count", "next_cursor"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("orders", root.GetProperty("data").GetProperty("dataset").GetString());
        Assert.Equal(7, root.GetProperty("data").GetProperty("version").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("data").GetProperty("status").ValueKind);
        var columns = root.GetProperty("columns").EnumerateArray()
            .Select(c => (c.GetProperty("name").GetString(), c.GetProperty("type").GetString()));
        Assert.Equal(Sample.Schema.Columns.Select(c => ((string?)c.Name, (string?)c.Type.Name())), columns);
        Assert.Equal(5000, root.GetProperty("row_count").GetInt64());
        Assert.Equal(5000, counted);
        Assert.Equal("abc123", root.GetProperty("next_cursor").GetString());
    }

    [Fact]
    public async Task Json_omits_data_when_there_is_none_and_states_a_null_cursor()
    {
        var bytes = await Sample.EncodeAsync(new JsonEncoder(), Sample.Result(rows: 0));

        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        Assert.False(root.TryGetProperty("data", out _));
        Assert.Equal(0, root.GetProperty("rows").GetArrayLength());
        Assert.Equal(0, root.GetProperty("row_count").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Json_writes_decimals_exactly_and_non_finite_doubles_as_null()
    {
        var schema = new ResultSchema([new ResultColumn("m", LadleType.Decimal), new ResultColumn("d", LadleType.Double)]);
        var rows = new List<object?[]> { new object?[] { 0.1000m, double.NaN }, new object?[] { 79228162514264337593543950335m, double.NegativeInfinity } };

        var text = System.Text.Encoding.UTF8.GetString(await Sample.EncodeAsync(new JsonEncoder(), new BatchListStream(schema, rows)));

        Assert.Contains("""{"m":0.1000,"d":null}""", text, StringComparison.Ordinal);
        Assert.Contains("""{"m":79228162514264337593543950335,"d":null}""", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_keeps_non_ascii_text_readable()
    {
        var schema = new ResultSchema([new ResultColumn("städte", LadleType.String)]);
        var rows = new List<object?[]> { new object?[] { "Zürich 🚀 \"q\" <b>" } };

        var text = System.Text.Encoding.UTF8.GetString(await Sample.EncodeAsync(new JsonEncoder(), new BatchListStream(schema, rows)));

        Assert.Contains("""{"städte":"Zürich""", text, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(text);
        Assert.Equal("Zürich 🚀 \"q\" <b>", document.RootElement.GetProperty("rows")[0].GetProperty("städte").GetString());
    }

    [Fact]
    public async Task Json_doubles_read_back_exactly_even_where_the_runtime_misformats_them()
    {
        var schema = new ResultSchema([new ResultColumn("d", LadleType.Double)]);
        double[] values = [Math.Pow(2, -25), -Math.Pow(2, -958), 0.1, 1.0 / 3, double.Epsilon, 1e21];

        var bytes = await Sample.EncodeAsync(new JsonEncoder(), new BatchListStream(schema, values.Select(v => new object?[] { v }).ToList()));

        using var document = JsonDocument.Parse(bytes);
        Assert.Equal(values, document.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("d").GetDouble()));
    }
}
