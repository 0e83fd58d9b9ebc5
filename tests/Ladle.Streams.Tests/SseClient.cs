using System.Net.Http.Headers;

namespace Ladle.Streams.Tests;

/// <summary>A server-sent events reader over a real HTTP response: each event's id, type and data.</summary>
internal sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    public sealed record Event(long? Id, string Type, string Data);

    public static async Task<SseClient> ConnectAsync(HttpClient http, string path, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseClient(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event (comments skipped); fails the test when none comes within two minutes.</summary>
    public async Task<Event> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        long? id = null;
        var type = "message";
        var data = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("the server ended the event stream");
            if (line.Length == 0)
            {
                if (data.Count > 0 || id is not null) return new Event(id, type, string.Join("\n", data));
                continue;
            }
            if (line.StartsWith(':')) continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "event": type = value; break;
                case "data": data.Add(value); break;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
