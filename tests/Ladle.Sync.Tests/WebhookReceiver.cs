using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ladle.Syncs.Tests;

/// <summary>
/// A real HTTP receiver on loopback for the webhook destination: it records every request (body and headers) and
/// answers what the test scripts: 2xx with rejected rows, 500, 429 with Retry-After, or slowly.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    /// <summary>Decides the answer to request number n (1-based) with its parsed body; default: 200 with nothing rejected.</summary>
    public Func<int, JsonElement, Answer> Respond { get; set; } = (_, _) => new Answer(200);

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Rows acknowledged by a 2xx answer, each time one was (a row sent twice appears twice).</summary>
    public ConcurrentQueue<(string Key, string Op, string IdempotencyKey, JsonElement? Fields)> Accepted { get; } = new();

    public Uri Url { get; }

    private WebhookReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        WebhookReceiver? self = null;
        var count = 0;
        app.MapPost("/hook", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync();
            var body = JsonDocument.Parse(text).RootElement.Clone();
            var n = Interlocked.Increment(ref count);
            self!.Requests.Enqueue(new Request(text, body, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            var answer = self.Respond(n, body);
            if (answer.Delay > TimeSpan.Zero) await Task.Delay(answer.Delay);
            context.Response.StatusCode = answer.Status;
            if (answer.RetryAfterSeconds is { } after) context.Response.Headers.RetryAfter = after.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (answer.Status is >= 200 and < 300)
            {
                var rejected = answer.Rejected ?? [];
                foreach (var row in body.GetProperty("rows").EnumerateArray())
                {
                    var key = row.GetProperty("key").GetString()!;
                    if (rejected.Contains(key)) continue;
                    self.Accepted.Enqueue((key, row.GetProperty("op").GetString()!, row.GetProperty("idempotency_key").GetString()!,
                        row.TryGetProperty("fields", out var f) ? f.Clone() : null));
                }
                await context.Response.WriteAsJsonAsync(new { rejected = rejected.Select(k => new { key = k, reason = "invalid value for this field" }) });
            }
        });
        await app.StartAsync();
        var address = app.Urls.First();
        self = new WebhookReceiver(app, new Uri(address.TrimEnd('/') + "/hook"));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record Request(string Text, JsonElement Body, IReadOnlyDictionary<string, string> Headers);

    public sealed record Answer(int Status, IReadOnlyCollection<string>? Rejected = null, int? RetryAfterSeconds = null)
    {
        public TimeSpan Delay { get; init; }
    }
}
