using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Emulators;

/// <summary>What the emulator accepts and how much: HubSpot's defaults unless a test or the demo says otherwise.</summary>
public sealed record HubSpotEmulatorOptions
{
    /// <summary>Where it listens; port 0 picks a free one.</summary>
    public string Url { get; init; } = "http://127.0.0.1:0";

    /// <summary>The bearer token it accepts; null accepts any.</summary>
    public string? Token { get; init; }

    /// <summary>The unique property records are matched by (HubSpot's contacts: email).</summary>
    public string UniqueProperty { get; init; } = "email";

    /// <summary>Requests allowed per rolling window (a HubSpot private app on a free account: 100 per 10 seconds).</summary>
    public int WindowLimit { get; init; } = 100;

    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests allowed per day (a free account: 250,000).</summary>
    public long DailyLimit { get; init; } = 250_000;

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// A small HubSpot-compatible CRM on loopback, written from HubSpot's public CRM v3 documentation: records of any
/// object type matched by a unique property (contacts by email), the batch endpoints (create, update, upsert with
/// idProperty, read, archive; 100 inputs a batch; 207 Multi-Status with per-input errors when inputs carry an
/// objectWriteTraceId, else a whole-batch 409/400), a rolling-window and a daily rate limit with HubSpot's headers and
/// 429 bodies, and a list endpoint to look at what arrived. `ladle demo` runs one so a sync has a CRM to write to; the
/// tests run it with <see cref="Faults"/> to inject what a real CRM does under load. It counts creates per key.
/// </summary>
public sealed partial class HubSpotEmulator : IAsyncDisposable
{
    public const int MaxBatch = 100;

    private readonly WebApplication _app;
    private readonly HubSpotEmulatorOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ObjectStore> _objects = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _creates = new(StringComparer.OrdinalIgnoreCase);
    private readonly Queue<DateTimeOffset> _window = new();
    private long _nextId = 1001;
    private long _dailyUsed;
    private int _requests;
    private int _throttled;

    private HubSpotEmulator(WebApplication app, HubSpotEmulatorOptions options)
    {
        _app = app;
        _options = options;
    }

    /// <summary>The base URL to give a sync (its url_env), e.g. http://127.0.0.1:40123.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Decides a fault for each batch request, or null to answer it as HubSpot would. Settable while running.</summary>
    public Func<HubSpotRequest, HubSpotFault?>? Faults { get; set; }

    /// <summary>Batch requests received, rate-limited and faulted ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests refused with a 429 by the emulator's own limits (not by a fault).</summary>
    public int Throttled => Volatile.Read(ref _throttled);

    /// <summary>How many times a record was created per unique value (more than one is a duplicate create).</summary>
    public IReadOnlyDictionary<string, int> Creates
    {
        get { lock (_lock) return new Dictionary<string, int>(_creates, StringComparer.OrdinalIgnoreCase); }
    }

    /// <summary>The properties of every record of an object type, by unique value.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Records(string objectType = "contacts")
    {
        lock (_lock)
            return _objects.TryGetValue(objectType, out var store)
                ? store.ByKey.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(p.Value.Properties), StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, IReadOnlyDictionary<string, string>>();
    }

    /// <summary>Creates a record as if someone else had (not counted among <see cref="Creates"/>).</summary>
    public void Seed(string objectType, IReadOnlyDictionary<string, string> properties)
    {
        lock (_lock) Insert(Store(objectType), properties);
    }

    public static async Task<HubSpotEmulator> StartAsync(HubSpotEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new HubSpotEmulatorOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Url);
        var app = builder.Build();
        var emulator = new HubSpotEmulator(app, options);
        app.MapPost("/crm/v3/objects/{objectType}/batch/{operation}", emulator.BatchAsync);
        app.MapGet("/crm/v3/objects/{objectType}", emulator.ListAsync);
        await app.StartAsync(cancellationToken);
        emulator.BaseUrl = new Uri(app.Urls.First().TrimEnd('/'));
        return emulator;
    }

    private async Task BatchAsync(HttpContext context, string objectType, string operation)
    {
        var number = Interlocked.Increment(ref _requests);
        if (!Authorized(context))
        {
            await AnswerAsync(context, 401, Error("INVALID_AUTHENTICATION", "Authentication credentials not found. This API supports OAuth 2.0 authentication."));
            return;
        }
        JsonObject body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonObject>(context.Request.Body, cancellationToken: context.RequestAborted)
                   ?? throw new JsonException("empty body");
        }
        catch (JsonException)
        {
            await AnswerAsync(context, 400, Error("VALIDATION_ERROR", "Invalid input JSON: the body is not a JSON object"));
            return;
        }
        var inputs = body["inputs"] as JsonArray ?? [];
        var keys = inputs.Select(i => KeyOf(operation, i as JsonObject)).ToList();
        if (Limited() is { } limited)
        {
            Interlocked.Increment(ref _throttled);
            await AnswerAsync(context, 429, limited);
            return;
        }
        var fault = Faults?.Invoke(new HubSpotRequest(number, objectType, operation, keys));
        switch (fault)
        {
            case HubSpotFault.Status status:
                if (status.RetryAfterSeconds is { } after) context.Response.Headers.RetryAfter = after.ToString(CultureInfo.InvariantCulture);
                await AnswerAsync(context, status.Code, FaultBody(status));
                return;
            case HubSpotFault.Slow slow:
                await Task.Delay(slow.Delay, _options.Clock, context.RequestAborted);
                break;
            case HubSpotFault.Drop:
                context.Abort();
                return;
        }
        if (inputs.Count > MaxBatch)
        {
            await AnswerAsync(context, 400, Error("VALIDATION_ERROR", $"Batch input limit is {MaxBatch}; this request has {inputs.Count} inputs"));
            return;
        }
        var rejected = fault is HubSpotFault.Reject reject ? reject : null;
        var (code, answer) = operation switch
        {
            "create" => Create(objectType, inputs, rejected),
            "update" => Update(objectType, inputs, rejected),
            "upsert" => Upsert(objectType, inputs, rejected),
            "read" => Read(objectType, body, inputs),
            "archive" => Archive(objectType, inputs),
            _ => (404, Error("OBJECT_NOT_FOUND", $"Unknown batch operation '{operation}'; expected create, update, upsert, read or archive")),
        };
        if (fault is HubSpotFault.DropAfterApplying dropped)
        {
            dropped.Applied?.Invoke();
            context.Abort();
            return;
        }
        await AnswerAsync(context, code, answer);
    }

    private async Task ListAsync(HttpContext context, string objectType)
    {
        if (!Authorized(context))
        {
            await AnswerAsync(context, 401, Error("INVALID_AUTHENTICATION", "Authentication credentials not found. This API supports OAuth 2.0 authentication."));
            return;
        }
        var limit = int.TryParse(context.Request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 100) : 10;
        var after = long.TryParse(context.Request.Query["after"], CultureInfo.InvariantCulture, out var a) ? a : 0;
        JsonArray results;
        long? next;
        lock (_lock)
        {
            var page = Store(objectType).ById.Values.Where(r => r.Id > after).OrderBy(r => r.Id).Take(limit + 1).ToList();
            results = new JsonArray(page.Take(limit).Select(r => (JsonNode)Json(r, null)).ToArray());
            next = page.Count > limit ? page[limit - 1].Id : null;
        }
        var answer = new JsonObject { ["results"] = results };
        if (next is { } n) answer["paging"] = new JsonObject { ["next"] = new JsonObject { ["after"] = n.ToString(CultureInfo.InvariantCulture) } };
        await AnswerAsync(context, 200, answer);
    }

    private bool Authorized(HttpContext context) =>
        _options.Token is null
            ? context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
            : context.Request.Headers.Authorization.ToString() == "Bearer " + _options.Token;

    /// <summary>The rolling window and the day, counted as HubSpot does; a 429 body when either is used up.</summary>
    private JsonObject? Limited()
    {
        lock (_lock)
        {
            var now = _options.Clock.GetUtcNow();
            while (_window.Count > 0 && now - _window.Peek() >= _options.Window) _window.Dequeue();
            if (_dailyUsed >= _options.DailyLimit)
                return RateLimit("You have reached your daily limit.", "DAILY");
            if (_window.Count >= _options.WindowLimit)
                return RateLimit($"You have reached your {(_options.Window == TimeSpan.FromSeconds(10) ? "ten_secondly_rolling" : "rolling")} limit.", "TEN_SECONDLY_ROLLING");
            _window.Enqueue(now);
            _dailyUsed++;
            return null;
        }
    }

    private static JsonObject RateLimit(string message, string policy)
    {
        var error = Error("RATE_LIMITS", message);
        error["errorType"] = "RATE_LIMIT";
        error["policyName"] = policy;
        return error;
    }

    private async Task AnswerAsync(HttpContext context, int status, JsonObject? body)
    {
        int windowRemaining;
        long dailyRemaining;
        lock (_lock)
        {
            windowRemaining = Math.Max(0, _options.WindowLimit - _window.Count);
            dailyRemaining = Math.Max(0, _options.DailyLimit - _dailyUsed);
        }
        var headers = context.Response.Headers;
        headers["X-HubSpot-RateLimit-Max"] = _options.WindowLimit.ToString(CultureInfo.InvariantCulture);
        headers["X-HubSpot-RateLimit-Remaining"] = windowRemaining.ToString(CultureInfo.InvariantCulture);
        headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = ((long)_options.Window.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        headers["X-HubSpot-RateLimit-Daily"] = _options.DailyLimit.ToString(CultureInfo.InvariantCulture);
        headers["X-HubSpot-RateLimit-Daily-Remaining"] = dailyRemaining.ToString(CultureInfo.InvariantCulture);
        context.Response.StatusCode = status;
        if (body is null || status == 204) return;
        context.Response.ContentType = "application/json;charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static JsonObject FaultBody(HubSpotFault.Status status) => status.Code switch
    {
        429 => RateLimit("You have reached your ten_secondly_rolling limit.", status.PolicyName ?? "TEN_SECONDLY_ROLLING"),
        409 => Error("CONFLICT", "Contact already exists."),
        >= 500 => Error("INTERNAL_ERROR", "internal error"),
        _ => Error("VALIDATION_ERROR", "Invalid input"),
    };

    private static JsonObject Error(string category, string message, JsonObject? context = null, string? code = null, string? property = null)
    {
        var error = new JsonObject
        {
            ["status"] = "error",
            ["category"] = category,
            ["message"] = message,
            ["correlationId"] = Guid.NewGuid().ToString(),
        };
        if (context is not null) error["context"] = context;
        if (code is not null)
            error["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["code"] = code, ["in"] = property });
        return error;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
