using System.Text.Json;
using Ladle.Engine.Encoders.Internal;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoders;

/// <summary>
/// Newline-delimited JSON: one object per row, one row per line, no envelope, so a client can process rows
/// as they arrive with any line reader.
/// </summary>
public sealed class NdJsonEncoder : IResultEncoder
{
    public string Format => "ndjson";
    public string ContentType => "application/x-ndjson";
    public string FileExtension => "ndjson";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        using var buffer = new OutputBuffer(output);
        await using (var writer = new Utf8JsonWriter(buffer, JsonRows.WriterOptions))
        {
            var names = JsonRows.EncodeNames(result.Schema);
            while (await result.ReadAsync(cancellationToken).ConfigureAwait(false) is { } batch)
            {
                var row = 0;
                while (row < batch.Count)
                {
                    row = WriteLines(writer, buffer, batch, row, names);
                    await buffer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        await buffer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes lines from <paramref name="start"/> until the batch ends or the buffer wants draining; returns the next row.</summary>
    private static int WriteLines(Utf8JsonWriter writer, OutputBuffer buffer, ColumnBatch batch, int start, JsonEncodedText[] names)
    {
        var row = start;
        while (row < batch.Count && !buffer.IsFull)
        {
            JsonRows.WriteRow(writer, batch.Columns, row++, names);
            writer.Flush();
            buffer.WriteByte((byte)'\n');
            // Each line is its own JSON document; Reset lets the writer start another top-level value.
            writer.Reset();
        }
        return row;
    }
}
