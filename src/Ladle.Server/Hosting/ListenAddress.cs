using System.Globalization;
using Ladle.Core.Errors;

namespace Ladle.Server.Hosting;

/// <summary>A host:port to listen on, as written after --http or under server.http.</summary>
public readonly record struct ListenAddress(string Host, int Port)
{
    public static ListenAddress Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) trimmed = trimmed[7..];
        var colon = trimmed.LastIndexOf(':');
        if (colon > 0 && int.TryParse(trimmed[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535)
            return new ListenAddress(trimmed[..colon], port);
        throw new InvalidRequestException($"'{text}' is not an address to listen on; write host:port, e.g. 127.0.0.1:8080", "http");
    }

    public string ToUrl() => $"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
