using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ladle.Core.Model.Syncs;
using Ladle.Engine.State;

namespace Ladle.Syncs.Delivery;

/// <summary>
/// HubSpot CRM v3 objects (contacts by default), matched by a unique property (the sync key's destination field,
/// e.g. email). Modes map onto the batch endpoints: insert → <c>batch/create</c>, update → <c>batch/update</c> and
/// upsert/mirror → <c>batch/upsert</c> with <c>idProperty</c>; mirror's deletes read the records' ids
/// (<c>batch/read</c>) and archive them (<c>batch/archive</c>). Every input carries an <c>objectWriteTraceId</c> (the
/// row's key) so a 207 Multi-Status answer says which rows failed and why; those are rejected with HubSpot's reason,
/// the rest acknowledged. A whole-batch 409 of a create rejects the records that already exist and sends the rest; a
/// whole-batch 400 is split until the rows at fault are found. 429 (the rolling window) is transient, honouring
/// Retry-After and the rate-limit headers; the daily limit stops the run; 5xx, timeouts and lost connections are
/// transient; any other 4xx is never retried. Creates that may have landed before an answer was lost are looked up
/// before they are sent again, so insert never makes a record twice.
/// </summary>
public sealed class HubSpotDestination : ISyncDestination
{
    public const string DefaultBaseUrl = "https://api.hubapi.com";

    /// <summary>The most inputs HubSpot takes in one batch request.</summary>
    public const int MaxBatch = 100;

    private readonly HttpClient _http;
    private readonly Uri _objects;
    private readonly string _token;
    private readonly SyncDefinition _sync;
    private readonly HubSpotRateGate _gate;

    /// <summary>Batches (by idempotency key) whose create may have been applied though no answer came back.</summary>
    private readonly ConcurrentDictionary<string, byte> _uncertain = new(StringComparer.Ordinal);

    /// <summary>Marks a transient failure after which the request may have been applied (unlike a 429, which never is).</summary>
    private const string MayHaveLanded = "hubspot.may-have-landed";

    public HubSpotDestination(HttpClient http, Uri baseUrl, string token, SyncDefinition sync, TimeProvider? clock = null)
    {
        _http = http;
        _objects = new Uri(baseUrl.ToString().TrimEnd('/') + $"/crm/v3/objects/{sync.Destination.Object ?? "contacts"}/");
        _token = token;
        _sync = sync;
        _gate = new HubSpotRateGate(clock ?? TimeProvider.System);
    }

    private string IdProperty => _sync.Key.Destination;

    private string ObjectType => _sync.Destination.Object ?? "contacts";

    public bool CanLookUp => true;

    public async Task<IReadOnlySet<string>> LookUpAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(MaxBatch))
            found.UnionWith((await ReadIdsAsync(chunk, cancellationToken)).Keys);
        return found;
    }

    public async Task<IReadOnlyList<(string Key, string Reason)>> SendAsync(SyncBatch batch, CancellationToken cancellationToken)
    {
        var rejected = new List<(string Key, string Reason)>();
        var writes = batch.Rows.Where(r => r.Operation != SyncOperation.Delete).ToList();
        if (batch.Mode == SyncMode.Insert && writes.Count > 0 && _uncertain.ContainsKey(batch.IdempotencyKey))
        {
            // The last attempt of this batch got no answer: what it created is acknowledged, not created again.
            var held = await LookUpAsync(writes.Select(r => r.Key).ToList(), cancellationToken);
            writes = writes.Where(r => !held.Contains(r.Key)).ToList();
        }
        try
        {
            foreach (var chunk in writes.Chunk(MaxBatch))
                rejected.AddRange(await WriteAsync(batch.Mode, chunk, cancellationToken));
            foreach (var chunk in batch.Rows.Where(r => r.Operation == SyncOperation.Delete).Chunk(MaxBatch))
                rejected.AddRange(await ArchiveAsync(chunk, cancellationToken));
        }
        catch (TransientDeliveryException e) when (e.Data.Contains(MayHaveLanded))
        {
            _uncertain.TryAdd(batch.IdempotencyKey, 0);
            throw;
        }
        _uncertain.TryRemove(batch.IdempotencyKey, out _);
        return rejected;
    }

    /// <summary>Creates, updates or upserts rows; returns those HubSpot refused, with its reason.</summary>
    private async Task<List<(string Key, string Reason)>> WriteAsync(SyncMode mode, IReadOnlyList<SyncRecord> rows, CancellationToken cancellationToken)
    {
        var endpoint = mode switch { SyncMode.Insert => "create", SyncMode.Update => "update", _ => "upsert" };
        var (status, text) = await PostAsync("batch/" + endpoint, WriteBody(mode, rows), cancellationToken);
        switch (status)
        {
            case >= 200 and < 300 and not 207:
                return [];
            case 207:
                return Refused(rows, text);
            case 409 when mode == SyncMode.Insert:
                return await ConflictAsync(rows, Reason(text, status), cancellationToken);
            case 400 when text.Contains("PROPERTY_DOESNT_EXIST", StringComparison.Ordinal):
                throw new SyncDestinationException($"HubSpot has no {ObjectType} property for a field of sync '{_sync.Name}' ({_sync.File}): {Reason(text, status)}; " +
                                                   "create the property in HubSpot, or map the field to an existing one");
            case 400 when rows.Count > 1:
                // HubSpot refused the whole batch for some row's data without saying which: halve until the rows at fault are alone.
                var half = rows.Count / 2;
                var first = await WriteAsync(mode, rows.Take(half).ToList(), cancellationToken);
                first.AddRange(await WriteAsync(mode, rows.Skip(half).ToList(), cancellationToken));
                return first;
            default:
                var reason = Reason(text, status);
                return rows.Select(r => (r.Key, reason)).ToList();
        }
    }

    /// <summary>A create refused whole because records exist: those are rejected (insert never changes a record), the rest sent again.</summary>
    private async Task<List<(string Key, string Reason)>> ConflictAsync(IReadOnlyList<SyncRecord> rows, string reason, CancellationToken cancellationToken)
    {
        var existing = await LookUpAsync(rows.Select(r => r.Key).ToList(), cancellationToken);
        var rejected = rows.Where(r => existing.Contains(r.Key)).Select(r => (r.Key, reason + "; mode insert never changes an existing record")).ToList();
        var rest = rows.Where(r => !existing.Contains(r.Key)).ToList();
        if (rejected.Count == 0) return rows.Select(r => (r.Key, reason)).ToList();
        if (rest.Count > 0) rejected.AddRange(await WriteAsync(SyncMode.Insert, rest, cancellationToken));
        return rejected;
    }

    /// <summary>Archives the records of deleted rows; a record HubSpot no longer has is already gone.</summary>
    private async Task<List<(string Key, string Reason)>> ArchiveAsync(IReadOnlyList<SyncRecord> rows, CancellationToken cancellationToken)
    {
        var ids = await ReadIdsAsync(rows.Select(r => r.Key).ToList(), cancellationToken);
        if (ids.Count == 0) return [];
        var body = Json(json =>
        {
            json.WriteStartArray("inputs");
            foreach (var id in ids.Values)
            {
                json.WriteStartObject();
                json.WriteString("id", id);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        });
        var (status, text) = await PostAsync("batch/archive", body, cancellationToken);
        if (status is >= 200 and < 300) return [];
        var reason = Reason(text, status);
        return rows.Where(r => ids.ContainsKey(r.Key)).Select(r => (r.Key, reason)).ToList();
    }

    /// <summary>The HubSpot record id of each key HubSpot holds (batch/read by the unique property).</summary>
    private async Task<Dictionary<string, string>> ReadIdsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var body = Json(json =>
        {
            json.WriteString("idProperty", IdProperty);
            json.WriteStartArray("properties");
            json.WriteStringValue(IdProperty);
            json.WriteEndArray();
            json.WriteStartArray("inputs");
            foreach (var key in keys)
            {
                json.WriteStartObject();
                json.WriteString("id", key);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        });
        var (status, text) = await PostAsync("batch/read", body, cancellationToken);
        if (status is < 200 or >= 300)
            throw new SyncDestinationException($"HubSpot refused to read {ObjectType} by {IdProperty} for sync '{_sync.Name}' ({_sync.File}): {Reason(text, status)}");
        // HubSpot keeps unique values such as email in lower case; match them back to the keys as the source spells them.
        var byValue = keys.GroupBy(k => k, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        using var doc = Parse(text);
        if (doc?.RootElement.TryGetProperty("results", out var results) == true && results.ValueKind == JsonValueKind.Array)
            foreach (var result in results.EnumerateArray())
                if (result.TryGetProperty("properties", out var properties) && properties.TryGetProperty(IdProperty, out var value) &&
                    value.GetString() is { } held && byValue.TryGetValue(held, out var matching) && result.TryGetProperty("id", out var id))
                    foreach (var key in matching) found[key] = id.ToString();
        return found;
    }

    /// <summary>One POST: the rate gate first, then the request; transient and misconfiguration answers become exceptions.</summary>
    private async Task<(int Status, string Text)> PostAsync(string path, byte[] body, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        var url = new Uri(_objects, path);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_sync.Destination.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Landed(new TransientDeliveryException($"HubSpot did not answer {path} within {_sync.Destination.Timeout.TotalSeconds:0.#}s", inner: e));
        }
        catch (HttpRequestException e)
        {
            throw Landed(new TransientDeliveryException($"HubSpot could not be reached at {url.GetLeftPart(UriPartial.Authority)} ({e.HttpRequestError})", inner: e));
        }
        using (response)
        {
            _gate.Observe(response.Headers);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.TooManyRequests:
                    if (Field(text, "policyName") is "DAILY") throw _gate.DayUsedUp();
                    var wait = _gate.Throttled(WebhookDestination.RetryAfter(response));
                    throw new TransientDeliveryException($"HubSpot answered 429 ({Field(text, "policyName") ?? "rate limit"}), waiting {wait.TotalSeconds:0.#}s", wait);
                case HttpStatusCode.Unauthorized:
                    throw new SyncDestinationException($"HubSpot refused the token in {_sync.Destination.TokenEnv} (401 Unauthorized) for sync '{_sync.Name}' ({_sync.File}); " +
                                                       "export a valid private app access token in it");
                case HttpStatusCode.Forbidden:
                    throw new SyncDestinationException($"the token in {_sync.Destination.TokenEnv} may not write HubSpot {ObjectType} (403 Forbidden) for sync '{_sync.Name}'; " +
                                                       $"give the private app the crm.objects.{ObjectType}.read and .write scopes");
                case HttpStatusCode.NotFound:
                    throw new SyncDestinationException($"HubSpot has no {url.AbsolutePath} (404) for sync '{_sync.Name}' ({_sync.File}); check 'object' and the base URL in {_sync.Destination.UrlEnv ?? "url_env"}");
                case HttpStatusCode.RequestTimeout:
                case var _ when status >= 500:
                    throw Landed(new TransientDeliveryException($"HubSpot answered {status} to {path}", WebhookDestination.RetryAfter(response)));
            }
            return (status, text);
        }
    }

    private static TransientDeliveryException Landed(TransientDeliveryException e)
    {
        e.Data[MayHaveLanded] = true;
        return e;
    }

    /// <summary>The rows a 207 answer lists among its errors (by objectWriteTraceId or id), with HubSpot's reason.</summary>
    private static List<(string Key, string Reason)> Refused(IReadOnlyList<SyncRecord> rows, string text)
    {
        var reasons = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var answered = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? unattributed = null;
        using var doc = Parse(text);
        if (doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object)
        {
            if (doc.RootElement.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Array)
                foreach (var result in results.EnumerateArray())
                    if (result.TryGetProperty("objectWriteTraceId", out var trace) && trace.GetString() is { } traced) answered.Add(traced);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                foreach (var error in errors.EnumerateArray())
                {
                    var reason = Reason(error, 207);
                    var keys = ContextValues(error, "objectWriteTraceId").Concat(ContextValues(error, "ids")).Concat(ContextValues(error, "id")).ToList();
                    if (keys.Count == 0) unattributed ??= reason;
                    foreach (var key in keys) reasons.TryAdd(key, reason);
                }
        }
        var rejected = new List<(string, string)>();
        foreach (var row in rows)
        {
            if (reasons.TryGetValue(row.Key, out var reason)) rejected.Add((row.Key, reason));
            else if (unattributed is not null && !answered.Contains(row.Key)) rejected.Add((row.Key, unattributed));
        }
        return rejected;
    }

    private static IEnumerable<string> ContextValues(JsonElement error, string name) =>
        error.TryGetProperty("context", out var context) && context.ValueKind == JsonValueKind.Object && context.TryGetProperty(name, out var values)
            ? values.ValueKind == JsonValueKind.Array ? values.EnumerateArray().Select(v => v.ToString()) : [values.ToString()]
            : [];

    private byte[] WriteBody(SyncMode mode, IReadOnlyList<SyncRecord> rows) => Json(json =>
    {
        json.WriteStartArray("inputs");
        foreach (var row in rows)
        {
            json.WriteStartObject();
            if (mode != SyncMode.Insert)
            {
                json.WriteString("id", row.Key);
                json.WriteString("idProperty", IdProperty);
            }
            json.WriteString("objectWriteTraceId", row.Key);
            json.WriteStartObject("properties");
            if (mode == SyncMode.Insert) json.WriteString(IdProperty, row.Key);
            if (row.Fields is not null)
            {
                using var fields = JsonDocument.Parse(row.Fields);
                foreach (var field in fields.RootElement.EnumerateObject())
                    json.WriteString(field.Name, PropertyValue(field.Value));
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
    });

    /// <summary>HubSpot property values are strings: numbers as written, booleans as true/false, null clears the property.</summary>
    private static string PropertyValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>HubSpot's own words for a refusal: category, message and the first detailed error's code and property.</summary>
    private static string Reason(string text, int status)
    {
        using var doc = Parse(text);
        return doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object
            ? Reason(doc.RootElement, status)
            : $"HTTP {status}" + (text.Length > 0 ? ": " + Truncate(text) : "");
    }

    private static string Reason(JsonElement error, int status)
    {
        var reason = new StringBuilder();
        reason.Append(Text(error, "category") ?? $"HTTP {status}");
        if (Text(error, "message") is { } message) reason.Append(": ").Append(message);
        if (error.TryGetProperty("errors", out var details) && details.ValueKind == JsonValueKind.Array && details.GetArrayLength() > 0)
        {
            var first = details[0];
            if (Text(first, "code") is { } code) reason.Append(" (").Append(code).Append(Text(first, "in") is { } at ? " on " + at : "").Append(')');
        }
        return Truncate(reason.ToString());
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Field(string text, string name)
    {
        using var doc = Parse(text);
        return doc is null ? null : Text(doc.RootElement, name);
    }

    private static JsonDocument? Parse(string text)
    {
        if (text.Length == 0) return null;
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "…";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
