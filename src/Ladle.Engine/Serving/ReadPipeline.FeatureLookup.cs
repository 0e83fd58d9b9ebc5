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

    private async Task<OpenedRead> LookupOnlineAsync(OnlineFeatureStore online, FeatureLookupPlan plan, DateTime now, CancellationToken cancellationToken)
    {
        var answers = NewAnswers(plan);
        var leased = new List<(DatasetDefinition Dataset, DataVersion? Version)>();
        foreach (var view in plan.Views)
        {
            var keys = LookupKeys(view, plan);
            var (read, version) = await online.ReadAsync(view, keys.Select(k => k.Key).ToArray(), cancellationToken);
            if (!leased.Any(l => string.Equals(l.Dataset.Name, view.Dataset.Name, StringComparison.OrdinalIgnoreCase)))
                leased.Add((_project.GetDataset(view.Dataset.Name), version));
            var positions = plan.Features.Select((f, i) => (f, i)).Where(x => x.f.View == view)
                .Select(x => (Answer: x.i, Stored: view.Features.ToList().FindIndex(d => d.Name == x.f.Feature.Name))).ToList();
            for (var e = 0; e < keys.Length; e++)
            {
                var winner = read.Entries[e]?.WinnerAt(now);
                foreach (var (answer, stored) in positions)
                    answers[e][answer] = Classify(view, now, winner?.Event, winner is null ? null : winner.Values[stored]);
            }
        }
        return new OpenedLookup(plan, answers, leased, now, "online");
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
            await using (var result = await _reader.QueryWithEntitiesAsync(entities, _ => new Core.Sql.SqlStatement(PointInTime.Lookup(inputs, DatasetReader.EntityRelation), values), () => { }, cancellationToken))
            {
                var e = 0;
                while (await result.ReadAsync(cancellationToken) is { } batch)
                    for (var r = 0; r < batch.Count; r++, e++)
                    {
                        var column = 1;
                        foreach (var input in inputs)
                        {
                            var eventTime = batch.Columns[column].GetValue(r) as DateTime?;
                            var live = batch.Columns[column + 1].GetValue(r) as bool? ?? false;
                            for (var i = 0; i < input.Features.Count; i++)
                            {
                                var index = plan.Features.Select((f, x) => (f, x)).First(x => x.f.View == input.View && x.f.Feature == input.Features[i]).x;
                                var value = batch.Columns[column + 2 + 2 * i].GetValue(r);
                                if (input.Features[i].Aggregate is not null)
                                {
                                    // A window: its newest event; an empty window is not found (a count there is 0, present).
                                    var newest = batch.Columns[column + 3 + 2 * i].GetValue(r) as DateTime?;
                                    answers[e][index] = new FeatureValue(value, value is not null ? FeatureStatus.Present : newest is null ? FeatureStatus.NotFound : FeatureStatus.Null, newest);
                                    continue;
                                }
                                answers[e][index] = eventTime is null ? new FeatureValue(null, FeatureStatus.NotFound, null)
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

    /// <summary>A lookup's answer, computed before the first byte: entities in the order asked, each with its features' values, statuses and event times.</summary>
    private sealed class OpenedLookup(FeatureLookupPlan plan, FeatureValue[][] answers, IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> leased, DateTime now, string servedBy) : OpenedRead
    {
        public override string Name => "features";
        public override IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> Leased => leased;
        public override string AnsweredBy => servedBy;

        public override Task<long> CountAsync(CancellationToken cancellationToken) => Task.FromResult((long)answers.Length);

        public override async Task<long> WriteAsync(IReadSink sink, ReadAnswer answer, Stream body, CancellationToken cancellationToken)
        {
            await using (var json = new Utf8JsonWriter(body))
            {
                json.WriteStartObject();
                json.WriteString("as_of", DateTime.SpecifyKind(now, DateTimeKind.Utc));
                json.WriteString("served_by", servedBy);
                json.WriteStartArray("features");
                foreach (var feature in plan.Features) json.WriteStringValue(feature.FullName);
                json.WriteEndArray();
                json.WriteStartArray("entities");
                for (var e = 0; e < answers.Length; e++)
                {
                    json.WriteStartObject();
                    json.WriteStartObject("key");
                    foreach (var (name, value) in plan.Entities[e]) { json.WritePropertyName(name); ((JsonElement)value!).WriteTo(json); }
                    json.WriteEndObject();
                    json.WriteStartObject("features");
                    for (var f = 0; f < plan.Features.Count; f++)
                    {
                        var value = answers[e][f];
                        json.WriteStartObject(plan.Features[f].Feature.Name);
                        json.WritePropertyName("value");
                        WriteValue(json, value.Value);
                        json.WriteString("status", StatusName(value.Status));
                        if (value.EventTime is { } at) json.WriteString("event_timestamp", DateTime.SpecifyKind(at, DateTimeKind.Utc));
                        else json.WriteNull("event_timestamp");
                        json.WriteEndObject();
                    }
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
                await json.FlushAsync(cancellationToken);
            }
            return answers.Length;
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>The status as the API spells it.</summary>
    public static string StatusName(FeatureStatus status) => status switch
    {
        FeatureStatus.Present => "present",
        FeatureStatus.Null => "null",
        FeatureStatus.NotFound => "not_found",
        _ => "outside_ttl",
    };

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case long l: json.WriteNumberValue(l); break;
            case int i: json.WriteNumberValue(i); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case double d: json.WriteStringValue(d.ToString(CultureInfo.InvariantCulture)); break;
            case float f: json.WriteNumberValue(f); break;
            case decimal m: json.WriteNumberValue(m); break;
            case DateTime t: json.WriteStringValue(DateTime.SpecifyKind(t, DateTimeKind.Utc)); break;
            case DateTimeOffset t: json.WriteStringValue(t.ToUniversalTime()); break;
            case DateOnly d: json.WriteStringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
            case IFormattable other: json.WriteStringValue(other.ToString(null, CultureInfo.InvariantCulture)); break;
            default: json.WriteStringValue(value.ToString()); break;
        }
    }
}
