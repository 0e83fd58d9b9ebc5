using System.Text.Json;
using Ladle.Core.Model;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoding;

/// <summary>
/// A JSON document: <c>{"data": {status block}, "columns": […], "rows": [{…}, …], "row_count": N, "next_cursor": …}</c>,
/// streamed row by row; the cursor comes last because it is known only after the last row.
/// </summary>
public sealed class JsonEncoder : IResultEncoder
{
    public string Format => "json";
    public string ContentType => "application/json; charset=utf-8";
    public string FileExtension => "json";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        using var buffer = new OutputBuffer(output);
        await using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        json.WriteStartObject();
        if (context.Data is { } data)
        {
            json.WritePropertyName("data");
            JsonSerializer.Serialize(json, data);
        }
        json.WriteStartArray("columns");
        foreach (var column in result.Schema.Columns)
        {
            json.WriteStartObject();
            json.WriteString("name", column.Name);
            json.WriteString("type", column.Type.Name());
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("rows");
        var rows = new JsonRowWriter(result.Schema);
        long count = 0;
        while (await result.ReadAsync(cancellationToken) is { } batch)
        {
            for (var r = 0; r < batch.Count; r++)
            {
                rows.WriteRow(json, batch, r);
                if (json.BytesPending > OutputBuffer.FlushThreshold)
                {
                    json.Flush();
                    await buffer.FlushAsync(cancellationToken);
                }
            }
            count += batch.Count;
        }
        json.WriteEndArray();
        json.WriteNumber("row_count", count);
        if (context.NextCursor?.Invoke(count) is { } cursor) json.WriteString("next_cursor", cursor);
        else json.WriteNull("next_cursor");
        json.WriteEndObject();
        json.Flush();
        await buffer.FlushAsync(cancellationToken);
    }
}
