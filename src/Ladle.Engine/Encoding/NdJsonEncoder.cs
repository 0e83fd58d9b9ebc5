using System.Text.Json;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoding;

/// <summary>Newline-delimited JSON: one object per row, nothing else, for streaming consumers.</summary>
public sealed class NdJsonEncoder : IResultEncoder
{
    public string Format => "ndjson";
    public string ContentType => "application/x-ndjson";
    public string FileExtension => "ndjson";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        using var buffer = new OutputBuffer(output);
        await using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        var rows = new JsonRowWriter(result.Schema);
        while (await result.ReadAsync(cancellationToken) is { } batch)
        {
            for (var r = 0; r < batch.Count; r++)
            {
                rows.WriteRow(json, batch, r);
                json.Flush();
                buffer.WriteByte((byte)'\n');
                json.Reset(buffer);
                if (buffer.ShouldFlush) await buffer.FlushAsync(cancellationToken);
            }
        }
        await buffer.FlushAsync(cancellationToken);
    }
}
