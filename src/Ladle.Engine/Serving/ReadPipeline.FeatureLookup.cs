using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Ladle.Core.Features;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Engine.Features;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;

namespace Ladle.Engine.Serving;

/// <summary>What an online lookup says of one feature of one entity.</summary>
public enum FeatureStatus : byte
{
    /// <summary>The latest row known now is within the TTL and holds a value.</summary>
    Present,

    /// <summary>The latest row known now is within the TTL and holds NULL.</summary>
    Null,

    /// <summary>No row of the entity is known now (or its key is null, or a row filter hides every row).</summary>
    NotFound,

    /// <summary>The latest row known now is older than now − TTL.</summary>
    OutsideTtl,
}

public sealed partial class ReadPipeline
{
    /// <summary>One feature of one entity: its value, status and the event time of the row it comes from.</summary>
    public readonly record struct FeatureValue(object? Value, FeatureStatus Status, DateTime? EventTime);

    /// <summary>
    /// Opens a lookup: from the online store when every view is read unrestricted (no row filter, no mask), else in
    /// the store with the same definition at now inside the caller's scope (exact, slower). Either way, "now" is the
    /// pipeline's clock and TTL is applied exactly as a training set applies it at t = now.
    /// </summary>
    private async Task<OpenedRead> OpenFeatureLookupAsync(FeatureLookupPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes, CancellationToken cancellationToken)
    {
        var now = FeatureClock.GetUtcNow().UtcDateTime;
        // A windowed feature's value now depends on every row in its window: the store computes it (the online store keeps winners).
        if (OnlineFeatures is { } online && scopes.Values.All(s => s.IsUnrestricted) && plan.Features.All(f => f.Feature.Aggregate is null))
            return await LookupOnlineAsync(online, plan, now, cancellationToken);
        return await LookupInStoreAsync(plan, scopes, now, cancellationToken);
    }

    /// <summary>
    /// Reads every view's entries for the planned keys (one backend read per view) and keeps each entity's winner now;
    /// statuses and values are taken from the winners as the answer is written, in one pass.
    /// </summary>
    private async Task<OpenedRead> LookupOnlineAsync(OnlineFeatureStore online, FeatureLookupPlan plan, DateTime now, CancellationToken cancellationToken)
    {
        var views = plan.Views;
        var winners = new OnlineRow?[views.Count][];
        var leased = new List<(DatasetDefinition Dataset, DataVersion? Version)>(views.Count);
        for (var v = 0; v < views.Count; v++)
        {
            var view = views[v];
            var keys = LookupKeys(view, plan);
            var asked = new string?[keys.Length];
            for (var e = 0; e < keys.Length; e++) asked[e] = keys[e].Key;
            var (read, version) = await online.ReadAsync(view, asked, cancellationToken);
            var dataset = view.Dataset.Name;
            var seen = false;
            foreach (var (d, _) in leased) seen |= string.Equals(d.Name, dataset, StringComparison.OrdinalIgnoreCase);
            if (!seen) leased.Add((_project.GetDataset(dataset), version));
            var found = winners[v] = new OnlineRow?[keys.Length];
            for (var e = 0; e < found.Length; e++) found[e] = read.Entries[e]?.WinnerAt(now);
        }
        // Each feature asked: its view's position in the plan and its column in the view's stored rows.
        var layout = new (int View, int Stored)[plan.Features.Count];
        for (var f = 0; f < layout.Length; f++)
        {
            var feature = plan.Features[f];
            var v = 0;
            while (!ReferenceEquals(views[v], feature.View)) v++;
            var stored = 0;
            while (!ReferenceEquals(feature.View.Features[stored], feature.Feature)) stored++;
            layout[f] = (v, stored);
        }
        // The embedded store's rows live as long as their version: their JSON is encoded once and kept with them.
        return new OpenedOnlineLookup(plan, layout, winners, leased, now, cacheJson: online.Backend is MemoryOnlineBackend);
    }

    private async Task<OpenedRead> LookupInStoreAsync(FeatureLookupPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes, DateTime now, CancellationToken cancellationToken)
    {
        var leases = new List<IDisposable>();
        var leased = new List<(DatasetDefinition Dataset, DataVersion? Version)>();
        try
        {
            var (inputs, values) = await OpenViewsAsync(plan.Features, plan.Views, scopes, leased, leases, cancellationToken);
            var entities = EntityValues(plan, now);
            var answers = NewAnswers(plan);
            // Where each input's features sit in the answer (the order asked).
            var index = inputs.Select(input => input.Features.Select(feature => plan.Features.Select((f, x) => (f, x)).First(x => x.f.View == input.View && x.f.Feature == feature).x).ToArray()).ToArray();
            await using (var result = await _reader.QueryWithEntitiesAsync(entities, _ => new Core.Sql.SqlStatement(PointInTime.Lookup(inputs, DatasetReader.EntityRelation), values), () => { }, cancellationToken))
            {
                var e = 0;
                while (await result.ReadAsync(cancellationToken) is { } batch)
                    for (var r = 0; r < batch.Count; r++, e++)
                    {
                        var column = 1;
                        for (var v = 0; v < inputs.Count; v++)
                        {
                            var input = inputs[v];
                            var eventTime = batch.Columns[column].GetValue(r) as DateTime?;
                            var live = batch.Columns[column + 1].GetValue(r) as bool? ?? false;
                            for (var i = 0; i < input.Features.Count; i++)
                            {
                                var value = batch.Columns[column + 2 + 2 * i].GetValue(r);
                                if (input.Features[i].Aggregate is not null)
                                {
                                    // A window: its newest event; an empty window is not found (a count there is 0, present).
                                    var newest = batch.Columns[column + 3 + 2 * i].GetValue(r) as DateTime?;
                                    answers[e][index[v][i]] = new FeatureValue(value, value is not null ? FeatureStatus.Present : newest is null ? FeatureStatus.NotFound : FeatureStatus.Null, newest);
                                    continue;
                                }
                                answers[e][index[v][i]] = eventTime is null ? new FeatureValue(null, FeatureStatus.NotFound, null)
                                    : !live ? new FeatureValue(null, FeatureStatus.OutsideTtl, eventTime)
                                    : new FeatureValue(value, value is null ? FeatureStatus.Null : FeatureStatus.Present, eventTime);
                            }
                            column += 2 + 2 * input.Features.Count;
                        }
                    }
            }
            return new OpenedLookup(plan, answers, leased, now, "store");
        }
        finally
        {
            Release(leases);
        }
    }

    /// <summary>The status of a winner at now: the same TTL rule as a training set's (event ≥ now − TTL).</summary>
    internal static FeatureValue Classify(FeatureView view, DateTime now, DateTime? eventTime, object? value) =>
        eventTime is not { } at ? new FeatureValue(null, FeatureStatus.NotFound, null)
        : view.Ttl is { } ttl && at < now - ttl ? new FeatureValue(null, FeatureStatus.OutsideTtl, at)
        : new FeatureValue(value, value is null ? FeatureStatus.Null : FeatureStatus.Present, at);

    private static FeatureValue[][] NewAnswers(FeatureLookupPlan plan) =>
        Enumerable.Range(0, plan.Entities.Count).Select(_ => new FeatureValue[plan.Features.Count]).ToArray();

    /// <summary>The entities as rows of a VALUES list (values bound), each asking at <paramref name="now"/>.</summary>
    private static Core.Sql.SqlStatement EntityValues(FeatureLookupPlan plan, DateTime now)
    {
        var dialect = Core.Sql.SqlDialect.DuckDb;
        var parameters = new List<object>();
        var typed = plan.EntityColumns.Select(c => plan.Views.First(v => v.Entities.Contains(c, StringComparer.OrdinalIgnoreCase))).ToList();
        var keys = plan.Views.ToDictionary(v => v, v => LookupKeys(v, plan));
        var text = new System.Text.StringBuilder("SELECT * FROM (VALUES ");
        for (var e = 0; e < plan.Entities.Count; e++)
        {
            text.Append(e == 0 ? "(" : ", (");
            for (var c = 0; c < plan.EntityColumns.Count; c++)
            {
                var view = typed[c];
                var value = keys[view][e].Values[view.Entities.ToList().FindIndex(n => string.Equals(n, plan.EntityColumns[c], StringComparison.OrdinalIgnoreCase))];
                if (value is null) text.Append("NULL, ");
                else
                {
                    text.Append(dialect.Placeholder(parameters.Count)).Append(", ");
                    parameters.Add(value is DateOnly d ? d.ToDateTime(TimeOnly.MinValue) : value);
                }
            }
            text.Append(dialect.Placeholder(parameters.Count)).Append(')');
            parameters.Add(now);
        }
        text.Append(") AS ladle_entities(").Append(string.Join(", ", plan.EntityColumns.Append(PointInTime.EntityTime).Select(dialect.Quote))).Append(')');
        return new Core.Sql.SqlStatement(text.ToString(), parameters);
    }

    /// <summary>
    /// A lookup's answer, computed before the first byte and written straight into the response with
    /// <see cref="Utf8JsonWriter"/>: entities in the order asked, each with its key as asked and its features' values,
    /// statuses and event times. Subclasses say where the values come from.
    /// </summary>
    private abstract class OpenedLookupAnswer(FeatureLookupPlan plan, IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> leased, DateTime now, string servedBy) : OpenedRead
    {
        /// <summary>Flushed to the response past this many bytes, so a large answer streams and the writer's buffer stays small.</summary>
        private const int FlushBytes = 32 * 1024;

        protected static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");
        protected static readonly JsonEncodedText StatusName = JsonEncodedText.Encode("status");
        protected static readonly JsonEncodedText EventName = JsonEncodedText.Encode("event_timestamp");
        private static readonly JsonEncodedText KeyName = JsonEncodedText.Encode("key");
        private static readonly JsonEncodedText FeaturesName = JsonEncodedText.Encode("features");
        protected static readonly JsonEncodedText[] Statuses =
            [.. Enum.GetValues<FeatureStatus>().Select(s => JsonEncodedText.Encode(ReadPipeline.StatusName(s)))];

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonEncodedText> Names = new(StringComparer.Ordinal);

        protected FeatureLookupPlan Plan => plan;

        /// <summary>The instant the answer is as of.</summary>
        protected DateTime Now => now;
        public override string Name => "features";
        public override IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> Leased => leased;
        public override string AnsweredBy => servedBy;

        public override Task<long> CountAsync(CancellationToken cancellationToken) => Task.FromResult((long)plan.Entities.Count);

        /// <summary>A name of the project's definitions, encoded once (the set is bounded: names come from features/*.yaml, not requests).</summary>
        protected static JsonEncodedText Encoded(string name) => Names.GetOrAdd(name, static n => JsonEncodedText.Encode(n));

        /// <summary>Entity <paramref name="e"/>'s "features" object (its property name is written), with <paramref name="names"/> (one per feature asked).</summary>
        protected abstract void WriteFeatures(Utf8JsonWriter json, int e, JsonEncodedText[] names);

        public override async Task<long> WriteAsync(IReadSink sink, ReadAnswer answer, Stream body, CancellationToken cancellationToken)
        {
            var names = new JsonEncodedText[plan.Features.Count];
            for (var f = 0; f < names.Length; f++) names[f] = Encoded(plan.Features[f].Feature.Name);
            // The writer writes into one buffer handed to the body every FlushBytes: a writer over a Stream keeps its own
            // buffer, grown from 256 bytes by copying on every answer (in a profile of 100 × 50 lookups, copying bytes
            // between buffers was a third of the server's CPU).
            var buffer = new ArrayBufferWriter<byte>(FlushBytes + 4096);
            await using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("as_of", DateTime.SpecifyKind(now, DateTimeKind.Utc));
                json.WriteString("served_by", servedBy);
                json.WriteStartArray(FeaturesName);
                foreach (var feature in plan.Features) json.WriteStringValue(Encoded(feature.FullName));
                json.WriteEndArray();
                json.WriteStartArray("entities");
                for (var e = 0; e < plan.Entities.Count; e++)
                {
                    json.WriteStartObject();
                    json.WriteStartObject(KeyName);
                    foreach (var (name, value) in plan.Entities[e]) { json.WritePropertyName(Encoded(name)); ((JsonElement)value!).WriteTo(json); }
                    json.WriteEndObject();
                    json.WritePropertyName(FeaturesName);
                    WriteFeatures(json, e, names);
                    json.WriteEndObject();
                    if (json.BytesPending + buffer.WrittenCount > FlushBytes) await SendAsync(json, buffer, body, cancellationToken);
                }
                json.WriteEndArray();
                json.WriteEndObject();
                await SendAsync(json, buffer, body, cancellationToken);
            }
            return plan.Entities.Count;
        }

        /// <summary>What the writer holds, handed to the body; the buffer is then reused (the writer asks it for memory again after a flush).</summary>
        private static async ValueTask SendAsync(Utf8JsonWriter json, ArrayBufferWriter<byte> buffer, Stream body, CancellationToken cancellationToken)
        {
            json.Flush();
            await body.WriteAsync(buffer.WrittenMemory, cancellationToken);
            buffer.ResetWrittenCount();
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A lookup answered in the store: every feature's value, status and event time computed there.</summary>
    private sealed class OpenedLookup(FeatureLookupPlan plan, FeatureValue[][] answers, IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> leased, DateTime now, string servedBy)
        : OpenedLookupAnswer(plan, leased, now, servedBy)
    {
        /// <summary>The answers, by entity then feature asked (the skew report compares them).</summary>
        public FeatureValue[][] Answers => answers;

        protected override void WriteFeatures(Utf8JsonWriter json, int e, JsonEncodedText[] names)
        {
            json.WriteStartObject();
            for (var f = 0; f < names.Length; f++)
            {
                var value = answers[e][f];
                json.WriteStartObject(names[f]);
                json.WritePropertyName(ValueName);
                FeatureJson.WriteValue(json, value.Value);
                json.WriteString(StatusName, Statuses[(int)value.Status]);
                if (value.EventTime is { } at) json.WriteString(EventName, DateTime.SpecifyKind(at, DateTimeKind.Utc));
                else json.WriteNull(EventName);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
    }

    /// <summary>
    /// A lookup answered from the online store: each entity's winner now per view; a feature's status is its view's
    /// (not found, outside the TTL — the rule of <see cref="Classify"/>) or, within the TTL, null or present by its
    /// value. Values and event times are copied as the JSON of their row.
    /// </summary>
    private sealed class OpenedOnlineLookup(FeatureLookupPlan plan, (int View, int Stored)[] layout, OnlineRow?[][] winners,
        IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> leased, DateTime asOf, bool cacheJson) : OpenedLookupAnswer(plan, leased, asOf, servedBy: "online")
    {
        private static readonly byte[] Null = "null"u8.ToArray();

        // What follows a feature's value, by status, up to its event time (none when not found, then null).
        private static readonly byte[][] AfterValue =
        [
            ",\"status\":\"present\",\"event_timestamp\":"u8.ToArray(),
            ",\"status\":\"null\",\"event_timestamp\":"u8.ToArray(),
            ",\"status\":\"not_found\",\"event_timestamp\":null}"u8.ToArray(),
            ",\"status\":\"outside_ttl\",\"event_timestamp\":"u8.ToArray(),
        ];

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Openings = new(StringComparer.Ordinal);

        private readonly FeatureJson.EncodedRow?[] _rows = new FeatureJson.EncodedRow?[winners.Length];
        private readonly FeatureStatus[] _status = new FeatureStatus[winners.Length];
        private readonly System.Buffers.ArrayBufferWriter<byte> _object = new(4096);
        private byte[][]? _openings;

        /// <summary>
        /// The "features" object as bytes copied end to end — each feature's opening (its name), its value's JSON, what
        /// follows for its status, its event time's JSON — then handed to the writer whole: the same JSON the writer
        /// would produce property by property, at the cost of copying it.
        /// </summary>
        protected override void WriteFeatures(Utf8JsonWriter json, int e, JsonEncodedText[] names)
        {
            _openings ??= names.Select(n => Openings.GetOrAdd(n.ToString(), static (_, encoded) => [.. "\""u8, .. encoded.EncodedUtf8Bytes, .. "\":{\"value\":"u8], n)).ToArray();
            // Once per entity and view: the view's status now and its winner's JSON.
            for (var v = 0; v < winners.Length; v++)
            {
                var winner = winners[v][e];
                var view = Plan.Views[v];
                _status[v] = winner is null ? FeatureStatus.NotFound
                    : view.Ttl is { } ttl && winner.Event < Now - ttl ? FeatureStatus.OutsideTtl
                    : FeatureStatus.Present;
                _rows[v] = winner is null ? null : cacheJson ? FeatureJson.Cached(winner) : FeatureJson.Encode(winner);
            }
            _object.ResetWrittenCount();
            Append("{"u8);
            for (var f = 0; f < _openings.Length; f++)
            {
                var (v, stored) = layout[f];
                var status = _status[v];
                if (f > 0) Append(","u8);
                Append(_openings[f]);
                if (status != FeatureStatus.Present) Append(Null);
                else
                {
                    if (winners[v][e]!.Values[stored] is null) status = FeatureStatus.Null;
                    Append(_rows[v]![stored]);
                }
                Append(AfterValue[(int)status]);
                if (status == FeatureStatus.NotFound) continue;
                Append(_rows[v]![winners[v][e]!.Values.Length]);
                Append("}"u8);
            }
            Append("}"u8);
            json.WriteRawValue(_object.WrittenSpan, skipInputValidation: true);
        }

        private void Append(ReadOnlySpan<byte> bytes) => _object.Write(bytes);
    }

    /// <summary>The status as the API spells it.</summary>
    public static string StatusName(FeatureStatus status) => status switch
    {
        FeatureStatus.Present => "present",
        FeatureStatus.Null => "null",
        FeatureStatus.NotFound => "not_found",
        _ => "outside_ttl",
    };
}
