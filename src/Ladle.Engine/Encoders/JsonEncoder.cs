using System.Text.Json;
using Ladle.Core.Model;
using Ladle.Engine.Encoders.Internal;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoders;

/// <summary>
/// The default format: one JSON document with the status block, the columns, the rows as objects, the row
/// count and the next page's cursor. Rows stream out as they are read; the count and cursor come last
/// because only then are they known.
/// </summary>
public sealed class JsonEncoder : IResultEncoder
{
    private static readonly JsonSerializerOptions DataOptions = new()
    {
        Encoder = JsonRows.WriterOptions.Encoder,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Format => "json";
    public string ContentType => "application/json; charset=utf-8";
    public string FileExtension => "json";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        using var buffer = new OutputBuffer(output);
        long rowCount = 0;
        await using (var writer = new Utf8JsonWriter(buffer, JsonRows.WriterOptions))
        {
            writer.WriteStartObject();
            if (context.Data is { } data)
            {
                writer.WritePropertyName("data"u8);
                JsonSerializer.Serialize(writer, data, DataOptions);
            }
            WriteColumns(writer, result.Schema);

            writer.WriteStartArray("rows"u8);
            var names = JsonRows.EncodeNames(result.Schema);
            while (await result.ReadAsync(cancellationToken).ConfigureAwait(false) is { } batch)
            {
                var row = 0;
                while (row < batch.Count)
                {
                    row = WriteRows(writer, buffer, batch, row, names);
                    await buffer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
                }
                rowCount += batch.Count;
            }
            writer.WriteEndArray();

            writer.WriteNumber("row_count"u8, rowCount);
            writer.WriteString("next_cursor"u8, context.NextCursor?.Invoke(rowCount));
            writer.WriteEndObject();
        }
        await buffer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void WriteColumns(Utf8JsonWriter writer, ResultSchema schema)
    {
        writer.WriteStartArray("columns"u8);
        foreach (var column in schema.Columns)
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, column.Name);
            writer.WriteString("type"u8, column.Type.Name());
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>Writes rows from <paramref name="start"/> until the batch ends or the buffer wants draining; returns the next row.</summary>
    private static int WriteRows(Utf8JsonWriter writer, OutputBuffer buffer, ColumnBatch batch, int start, JsonEncodedText[] names)
    {
        var row = start;
        while (row < batch.Count)
        {
            JsonRows.WriteRow(writer, batch.Columns, row++, names);
            if (writer.BytesPending >= OutputBuffer.FlushThreshold)
            {
                writer.Flush();
                if (buffer.IsFull) break;
            }
        }
        writer.Flush();
        return row;
    }
}
