using System.Text.Json;

namespace Ladle.Server.Contracts;

/// <summary>How Ladle's API writes JSON (snake_case names), for clients such as the CLI that read its contracts.</summary>
public static class ApiJson
{
    /// <summary>The serializer options the server answers with.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
