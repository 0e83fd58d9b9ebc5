using Ladle.Core.Errors;
using Ladle.Engine.Encoders;

namespace Ladle.Engine.Tests.Encoders;

public sealed class ResultEncodersTests
{
    [Theory]
    [InlineData(null, "json", "application/json; charset=utf-8")]
    [InlineData("ndjson", "ndjson", "application/x-ndjson")]
    [InlineData(" CSV ", "csv", "text/csv; charset=utf-8")]
    [InlineData("parquet", "parquet", "application/vnd.apache.parquet")]
    [InlineData("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    public void Formats_are_found_by_name(string? name, string format, string contentType)
    {
        var encoder = ResultEncoders.Get(name);

        Assert.Equal(format, encoder.Format);
        Assert.Equal(format, encoder.FileExtension);
        Assert.Equal(contentType, encoder.ContentType);
    }

    [Fact]
    public void Unknown_format_is_refused_with_the_formats_there_are()
    {
        var error = Assert.Throws<InvalidRequestException>(() => ResultEncoders.Get("xml"));

        Assert.Equal("format", error.Parameter);
        Assert.Contains("json, ndjson, csv, parquet, xlsx", error.Message, StringComparison.Ordinal);
    }
}
