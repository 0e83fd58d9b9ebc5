using Ladle.Core.Errors;

namespace Ladle.Engine.Encoders;

/// <summary>The formats Ladle serves, by name.</summary>
public static class ResultEncoders
{
    private static readonly IResultEncoder[] All =
    [
        new JsonEncoder(), new NdJsonEncoder(), new CsvEncoder(), new ParquetEncoder(), new XlsxEncoder(),
    ];

    public static IReadOnlyList<string> Formats { get; } = All.Select(e => e.Format).ToList();

    /// <summary>The encoder for <paramref name="format"/> (json when null), or a 400 naming the formats there are.</summary>
    public static IResultEncoder Get(string? format)
    {
        var name = string.IsNullOrWhiteSpace(format) ? "json" : format.Trim();
        return All.FirstOrDefault(e => string.Equals(e.Format, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidRequestException($"unknown format '{format}'; expected one of: {string.Join(", ", Formats)}", "format");
    }
}
