using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>json (OID 114): the JSON text as UTF-8 in both formats (json_send is the text itself).</summary>
public static class JsonCodec
{
    private const string Type = "json";

    /// <summary>Writes the JSON text as UTF-8.</summary>
    public static void Write(IBufferWriter<byte> writer, string json) => Encoding.UTF8.GetBytes(json, writer);

    /// <summary>Reads the JSON text, checking it is UTF-8 and one well-formed JSON value (22P02 otherwise).</summary>
    public static string Read(ReadOnlySpan<byte> value)
    {
        var text = Utf8Text.Decode(value, Type);
        try
        {
            var reader = new Utf8JsonReader(value, new JsonReaderOptions { MaxDepth = 256 });
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return CodecErrors.Text<string>(Type);
        }

        return text;
    }
}
