using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Ladle.Engine.State;

namespace Ladle.Syncs.Delivery;

/// <summary>
/// Batched JSON POSTs to a URL: <c>{"sync", "batch", "rows": [{"op", "key", "idempotency_key", "fields"}]}</c> with
/// the batch's <c>Idempotency-Key</c> header and, with a secret, <c>X-Ladle-Signature: sha256=&lt;hex HMAC of the
/// body&gt;</c>. A 2xx acknowledges every row but those its JSON answer lists under <c>rejected</c>
/// (<c>[{"key", "reason"}]</c>); 408, 429 and 5xx are transient; any other status rejects the whole batch.
/// </summary>
public sealed class WebhookDestination(HttpClient http, Uri url, byte[]? secret, TimeSpan timeout) : ISyncDestination
{
    public const string SignatureHeader = "X-Ladle-Signature";
    public const string IdempotencyHeader = "Idempotency-Key";

    public bool CanLookUp => false;

    public Task<IReadOnlySet<string>> LookUpAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        throw new NotSupportedException("a webhook cannot say which records it holds; its receiver deduplicates by idempotency key");

    public async Task<IReadOnlyList<(string Key, string Reason)>> SendAsync(SyncBatch batch, CancellationToken cancellationToken)
    {
        var body = Body(batch);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(IdempotencyHeader, batch.IdempotencyKey);
        if (secret is not null)
            request.Headers.TryAddWithoutValidation(SignatureHeader, "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body)));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientDeliveryException($"the webhook did not answer within {timeout.TotalSeconds:0.#}s", inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new TransientDeliveryException($"the webhook could not be reached ({e.HttpRequestError})", inner: e);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.TooManyRequests || response.StatusCode == HttpStatusCode.RequestTimeout || status >= 500)
                throw new TransientDeliveryException($"the webhook answered {status}", RetryAfter(response));
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (status is < 200 or >= 300)
            {
                var reason = $"HTTP {status}" + (text.Length > 0 ? ": " + Truncate(text, 200) : "");
                return batch.Rows.Select(r => (r.Key, reason)).ToList();
            }
            return Rejected(text);
        }
    }

    internal static byte[] Body(SyncBatch batch)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("sync", batch.Sync);
            json.WriteString("batch", batch.IdempotencyKey);
            json.WriteString("mode", batch.Mode.ToString().ToLowerInvariant());
            json.WriteStartArray("rows");
            foreach (var row in batch.Rows)
            {
                json.WriteStartObject();
                json.WriteString("op", row.Operation.ToString().ToLowerInvariant());
                json.WriteString("key", row.Key);
                json.WriteString("idempotency_key", row.IdempotencyKey);
                if (row.Fields is not null)
                {
                    json.WritePropertyName("fields");
                    json.WriteRawValue(row.Fields, skipInputValidation: true);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The rows a 2xx answer lists as rejected; an answer that is not such JSON acknowledges everything.</summary>
    private static List<(string Key, string Reason)> Rejected(string text)
    {
        var rejected = new List<(string, string)>();
        if (text.Length == 0) return rejected;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("rejected", out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var item in list.EnumerateArray())
                    if (item.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String)
                        rejected.Add((key.GetString()!, item.TryGetProperty("reason", out var reason) ? Truncate(reason.ToString(), 500) : "rejected by the destination"));
        }
        catch (JsonException)
        {
            // Not JSON: a plain 2xx acknowledges the whole batch.
        }
        return rejected;
    }

    internal static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header) return null;
        if (header.Delta is { } delta) return delta;
        if (header.Date is { } date) return date - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        return null;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
