using System.Text.Json;
using Ladle.Engine.Encoders;

namespace Ladle.Engine.Tests.Encoders;

public sealed class NdJsonEncoderTests
{
    [Fact]
    public async Task NdJson_writes_one_object_per_line_that_round_trips()
    {
        var bytes = await Sample.EncodeAsync(new NdJsonEncoder(), Sample.Result());

        var lines = System.Text.Encoding.UTF8.GetString(bytes).Split('\n');
        Assert.Equal(Sample.Rows + 1, lines.Length);
        Assert.Equal("", lines[^1]);
        for (var k = 0; k < Sample.Rows; k++)
        {
            using var document = JsonDocument.Parse(lines[k]);
            JsonRowAssert.Matches(k, document.RootElement);
        }
    }

    [Fact]
    public async Task NdJson_writes_nothing_for_an_empty_result()
    {
        var bytes = await Sample.EncodeAsync(new NdJsonEncoder(), Sample.Result(rows: 0));

        Assert.Empty(bytes);
    }
}
