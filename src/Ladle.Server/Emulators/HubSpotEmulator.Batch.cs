using System.Globalization;
using System.Text.Json.Nodes;

namespace Ladle.Server.Emulators;

public sealed partial class HubSpotEmulator
{
    private sealed class CrmRecord(long id, DateTimeOffset at)
    {
        public long Id { get; } = id;
        public Dictionary<string, string> Properties { get; } = new(StringComparer.Ordinal);
        public DateTimeOffset CreatedAt { get; } = at;
        public DateTimeOffset UpdatedAt { get; set; } = at;
    }

    private sealed class ObjectStore
    {
        public Dictionary<string, CrmRecord> ByKey { get; } = new(StringComparer.OrdinalIgnoreCase);
        public Dictionary<long, CrmRecord> ById { get; } = [];
    }

    /// <summary>One create input's outcome before anything is applied: an error (a conflict or not), or none.</summary>
    private readonly record struct Outcome(JsonObject? Error, bool Conflict = false);

    private ObjectStore Store(string objectType)
    {
        if (!_objects.TryGetValue(objectType, out var store)) _objects[objectType] = store = new ObjectStore();
        return store;
    }

    private string KeyOf(string operation, JsonObject? input) => operation switch
    {
        "create" => Str((input?["properties"] as JsonObject)?[_options.UniqueProperty]),
        _ => Str(input?["id"]),
    } ?? "";

    private (int, JsonObject?) Create(string objectType, JsonArray inputs, HubSpotFault.Reject? reject)
    {
        lock (_lock)
        {
            var store = Store(objectType);
            var batchKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var outcomes = new List<(JsonObject Input, Outcome Outcome)>();
            foreach (var input in inputs.OfType<JsonObject>())
            {
                var properties = Properties(input);
                var key = properties.GetValueOrDefault(_options.UniqueProperty);
                Outcome outcome;
                if (Invalid(properties, key, reject) is { } invalid) outcome = new Outcome(invalid);
                else if (key is not null && (store.ByKey.TryGetValue(key, out var existing) || !batchKeys.Add(key)))
                    outcome = new Outcome(Error("CONFLICT", existing is null ? "Duplicate unique value in the batch." : $"Contact already exists. Existing ID: {existing.Id}"), Conflict: true);
                else outcome = new Outcome(null);
                outcomes.Add((input, outcome));
            }
            var multiStatus = inputs.Count > 0 && inputs.All(i => i?["objectWriteTraceId"] is not null);
            if (!multiStatus && outcomes.FirstOrDefault(o => o.Outcome.Error is not null) is { Outcome.Error: { } first } failed)
                return (failed.Outcome.Conflict ? 409 : 400, first);
            var results = new JsonArray();
            var errors = new JsonArray();
            foreach (var (input, outcome) in outcomes)
            {
                if (outcome.Error is { } error)
                {
                    errors.Add(WithContext(error, input, null));
                    continue;
                }
                var properties = Properties(input);
                var record = Insert(store, properties);
                if (properties.GetValueOrDefault(_options.UniqueProperty) is { } key) _creates[key] = _creates.GetValueOrDefault(key) + 1;
                results.Add(Json(record, input));
            }
            return Batch(errors.Count > 0 ? 207 : 201, results, errors);
        }
    }

    private (int, JsonObject?) Update(string objectType, JsonArray inputs, HubSpotFault.Reject? reject)
    {
        lock (_lock)
        {
            var store = Store(objectType);
            var results = new JsonArray();
            var errors = new JsonArray();
            foreach (var input in inputs.OfType<JsonObject>())
            {
                var id = Str(input["id"]) ?? "";
                var properties = Properties(input);
                var record = Find(store, id, Str(input["idProperty"]));
                if (record is null)
                    errors.Add(WithContext(Error("OBJECT_NOT_FOUND", "Could not get some CONTACT objects, they may be deleted or not exist."), input, id));
                else if (Invalid(properties, properties.GetValueOrDefault(_options.UniqueProperty) ?? record.Properties.GetValueOrDefault(_options.UniqueProperty), reject, id) is { } invalid)
                    errors.Add(WithContext(invalid, input, id));
                else
                {
                    Apply(store, record, properties);
                    results.Add(Json(record, input));
                }
            }
            return Batch(errors.Count > 0 ? 207 : 200, results, errors);
        }
    }

    private (int, JsonObject?) Upsert(string objectType, JsonArray inputs, HubSpotFault.Reject? reject)
    {
        lock (_lock)
        {
            var store = Store(objectType);
            var results = new JsonArray();
            var errors = new JsonArray();
            foreach (var input in inputs.OfType<JsonObject>())
            {
                var id = Str(input["id"]) ?? "";
                var idProperty = Str(input["idProperty"]);
                var properties = Properties(input);
                if (!string.Equals(idProperty, _options.UniqueProperty, StringComparison.Ordinal))
                {
                    errors.Add(WithContext(Error("VALIDATION_ERROR", $"Upsert needs idProperty '{_options.UniqueProperty}', a unique property", code: "INVALID_ID_PROPERTY", property: "idProperty"), input, id));
                    continue;
                }
                properties[_options.UniqueProperty] = id;
                if (Invalid(properties, id, reject, id) is { } invalid)
                {
                    errors.Add(WithContext(invalid, input, id));
                    continue;
                }
                var created = !store.ByKey.TryGetValue(id, out var record);
                if (record is null)
                {
                    record = Insert(store, properties);
                    _creates[id] = _creates.GetValueOrDefault(id) + 1;
                }
                else Apply(store, record, properties);
                var json = Json(record, input);
                json["new"] = created;
                results.Add(json);
            }
            return Batch(errors.Count > 0 ? 207 : 200, results, errors);
        }
    }

    private (int, JsonObject?) Read(string objectType, JsonObject body, JsonArray inputs)
    {
        lock (_lock)
        {
            var store = Store(objectType);
            var idProperty = Str(body["idProperty"]);
            var results = new JsonArray();
            var missing = new JsonArray();
            foreach (var input in inputs.OfType<JsonObject>())
            {
                var id = Str(input["id"]) ?? "";
                if (Find(store, id, idProperty) is { } record) results.Add(Json(record, null));
                else missing.Add(id);
            }
            var errors = new JsonArray();
            if (missing.Count > 0)
                errors.Add(Error("OBJECT_NOT_FOUND", "Could not get some objects, they may be deleted or not exist.", new JsonObject { ["ids"] = missing }));
            return Batch(errors.Count > 0 ? 207 : 200, results, errors);
        }
    }

    private (int, JsonObject?) Archive(string objectType, JsonArray inputs)
    {
        lock (_lock)
        {
            var store = Store(objectType);
            foreach (var input in inputs.OfType<JsonObject>())
                if (long.TryParse(Str(input["id"]), CultureInfo.InvariantCulture, out var id) && store.ById.Remove(id, out var record) &&
                    record.Properties.GetValueOrDefault(_options.UniqueProperty) is { } key)
                    store.ByKey.Remove(key);
            return (204, null);
        }
    }

    private CrmRecord Insert(ObjectStore store, IReadOnlyDictionary<string, string> properties)
    {
        var record = new CrmRecord(_nextId++, _options.Clock.GetUtcNow());
        store.ById[record.Id] = record;
        Apply(store, record, properties);
        return record;
    }

    private void Apply(ObjectStore store, CrmRecord record, IReadOnlyDictionary<string, string> properties)
    {
        foreach (var (name, value) in properties)
        {
            // HubSpot keeps email addresses in lower case.
            var stored = name == "email" ? value.ToLowerInvariant() : value;
            if (name == _options.UniqueProperty)
            {
                if (record.Properties.GetValueOrDefault(name) is { } old) store.ByKey.Remove(old);
                store.ByKey[stored] = record;
            }
            if (stored.Length == 0) record.Properties.Remove(name);
            else record.Properties[name] = stored;
        }
        record.UpdatedAt = _options.Clock.GetUtcNow();
    }

    private CrmRecord? Find(ObjectStore store, string id, string? idProperty) =>
        idProperty is null || idProperty == "hs_object_id"
            ? long.TryParse(id, CultureInfo.InvariantCulture, out var n) ? store.ById.GetValueOrDefault(n) : null
            : idProperty == _options.UniqueProperty ? store.ByKey.GetValueOrDefault(id) : null;

    /// <summary>HubSpot's validation of an input: the unique value present, an email that is one, and the rows a fault refuses.</summary>
    private JsonObject? Invalid(IReadOnlyDictionary<string, string> properties, string? key, HubSpotFault.Reject? reject, string? id = null)
    {
        if (string.IsNullOrEmpty(key))
            return Error("VALIDATION_ERROR", $"Property values were not valid: {_options.UniqueProperty} is required", code: "REQUIRED_PROPERTY", property: _options.UniqueProperty);
        if (_options.UniqueProperty == "email" && !LooksLikeEmail(key))
            return Error("VALIDATION_ERROR", "Property values were not valid: Email address is invalid", code: "INVALID_EMAIL", property: "email");
        if (reject is not null && (reject.Keys.Contains(key) || (id is not null && reject.Keys.Contains(id))))
            return Error("VALIDATION_ERROR", reject.Message, code: "INVALID_PROPERTY_VALUE", property: properties.Keys.FirstOrDefault(k => k != _options.UniqueProperty));
        return null;
    }

    private static bool LooksLikeEmail(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == value.LastIndexOf('@') && value.IndexOf('.', at) > at + 1 && !value.EndsWith('.') && !value.Any(char.IsWhiteSpace);
    }

    private static string? Str(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString();

    private static Dictionary<string, string> Properties(JsonObject input) =>
        (input["properties"] as JsonObject)?.Where(p => p.Value is not null)
            .ToDictionary(p => p.Key, p => Str(p.Value)!, StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>An input's error with the context HubSpot gives a 207: the input's objectWriteTraceId, or its id.</summary>
    private static JsonObject WithContext(JsonObject error, JsonObject input, string? id)
    {
        var context = error["context"] as JsonObject ?? [];
        if (Str(input["objectWriteTraceId"]) is { } trace) context["objectWriteTraceId"] = new JsonArray(trace);
        if (id is not null) context["ids"] = new JsonArray(id);
        error["context"] = context;
        return error;
    }

    private static (int, JsonObject?) Batch(int status, JsonArray results, JsonArray errors)
    {
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        var body = new JsonObject { ["status"] = "COMPLETE", ["results"] = results, ["startedAt"] = now, ["completedAt"] = now };
        if (errors.Count > 0)
        {
            body["numErrors"] = errors.Count;
            body["errors"] = errors;
        }
        return (status, body);
    }

    private static JsonObject Json(CrmRecord record, JsonObject? input)
    {
        var properties = new JsonObject { ["hs_object_id"] = record.Id.ToString(CultureInfo.InvariantCulture) };
        foreach (var (name, value) in record.Properties) properties[name] = value;
        var json = new JsonObject
        {
            ["id"] = record.Id.ToString(CultureInfo.InvariantCulture),
            ["properties"] = properties,
            ["createdAt"] = record.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
            ["updatedAt"] = record.UpdatedAt.ToString("O", CultureInfo.InvariantCulture),
            ["archived"] = false,
        };
        if (Str(input?["objectWriteTraceId"]) is { } trace) json["objectWriteTraceId"] = trace;
        return json;
    }
}
