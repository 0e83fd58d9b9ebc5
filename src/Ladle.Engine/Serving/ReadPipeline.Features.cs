using System.Globalization;
using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Core.Features;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Policy;
using Ladle.Core.Queries;
using Ladle.Engine.Encoders;
using Ladle.Engine.Features;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;

namespace Ladle.Engine.Serving;

public sealed partial class ReadPipeline
{
    /// <summary>The most entities one online lookup may ask for.</summary>
    public const int MaxLookupEntities = 10_000;

    /// <summary>The embedded online store (the server's); null: lookups are answered from the store with the same definition.</summary>
    public OnlineFeatureStore? OnlineFeatures { get; set; }

    /// <summary>How answered online lookups are audited at high rates; null: each one by one.</summary>
    public LookupAuditSampler? LookupAudit { get; set; }

    private TimeProvider FeatureClock => OnlineFeatures?.Clock ?? TimeProvider.System;

    private TrainingSetPlan PlanTrainingSet(TrainingSetRequest request, SinkCapabilities capabilities)
    {
        var features = ResolveFeatures(request.Principal, request.FeatureService, request.Features);
        EntityRows entities;
        if (!string.IsNullOrWhiteSpace(request.EntityDataset))
        {
            if (request.EntityFile is not null)
                throw new InvalidRequestException("give entity rows either as an upload or as entity_dataset, not both", "entity_dataset");
            entities = new EntityRows { Dataset = Describe(request.Principal, request.EntityDataset) };
        }
        else if (request.EntityFile is not null)
        {
            var format = request.EntityFormat?.ToLowerInvariant();
            if (format is not ("csv" or "json" or "parquet"))
                throw new InvalidRequestException($"entity rows must be csv, json or parquet, not '{request.EntityFormat}'", "entities");
            entities = new EntityRows { File = request.EntityFile, Format = format };
        }
        else
        {
            throw new InvalidRequestException(
                $"give entity rows: a JSON array 'entities' of objects with {PointInTime.EntityTime} and the entity key columns, a CSV or Parquet body, or 'entity_dataset'", "entities");
        }
        if (capabilities.MaxRows is not null)
            throw new InvalidRequestException("training sets are answered as csv, parquet, ndjson or json", "format");
        return new TrainingSetPlan(features, entities, capabilities.Bulk ? DataAction.Export : DataAction.Read, Asked(request.FeatureService, request.Features));
    }

    private FeatureLookupPlan PlanFeatureLookup(FeatureLookupRequest request, SinkCapabilities capabilities)
    {
        if (!capabilities.Paged) throw new InvalidRequestException("online lookups are answered as JSON", "format");
        var features = ResolveFeatures(request.Principal, request.FeatureService, request.Features);
        var plan = new FeatureLookupPlan(features, ReadEntities(request.Entities, features), Asked(request.FeatureService, request.Features));
        // Every value must be of its key's type in every view that uses it; refused here, before anything is read,
        // and kept: the lookup uses these keys as they are.
        var keys = new (string? Key, object?[] Values)[plan.Views.Count][];
        for (var v = 0; v < keys.Length; v++) keys[v] = ParseKeys(plan.Views[v], plan);
        plan.Keys = keys;
        return plan;
    }

    private IReadOnlyList<FeatureRef> ResolveFeatures(Principal principal, string? service, IReadOnlyList<string> names)
    {
        var features = _project.Features.Resolve(service, names);
        // A view over a dataset the caller may not see is unknown to it, as the dataset is.
        foreach (var view in features.Select(f => f.View).Distinct())
            if (!Policy.CanSee(principal, _project.GetDataset(view.Dataset.Name)))
                throw new NotFoundException($"no feature view '{view.Name}'");
        return features;
    }

    private static string Asked(string? service, IReadOnlyList<string> features) =>
        !string.IsNullOrWhiteSpace(service) ? "feature_service=" + service : "features=" + string.Join(",", features);

    /// <summary>{"key": [v1, v2, …], …}: one entity per position; every key column any view needs, the same count of each, no other.</summary>
    private static List<IReadOnlyDictionary<string, object?>> ReadEntities(JsonElement entities, IReadOnlyList<FeatureRef> features)
    {
        var needed = features.Select(f => f.View).Distinct().SelectMany(v => v.Entities).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (entities.ValueKind != JsonValueKind.Object)
            throw new InvalidRequestException($"'entities' must be an object of key columns to arrays of values, e.g. {{\"{needed[0]}\": [1, 2]}}", "entities");
        var columns = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in entities.EnumerateObject())
        {
            if (!needed.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                throw new InvalidRequestException($"'{property.Name}' is not an entity key of the features asked; they need {string.Join(", ", needed)}", "entities." + property.Name);
            if (property.Value.ValueKind != JsonValueKind.Array)
                throw new InvalidRequestException($"entities.{property.Name} must be an array of values", "entities." + property.Name);
            columns[property.Name] = property.Value;
        }
        foreach (var column in needed)
            if (!columns.ContainsKey(column))
                throw new InvalidRequestException($"entities has no '{column}': the features asked are keyed by {string.Join(", ", needed)}", "entities." + column);
        var count = columns[needed[0]].GetArrayLength();
        foreach (var (name, values) in columns)
            if (values.GetArrayLength() != count)
                throw new InvalidRequestException($"entities.{name} has {values.GetArrayLength()} values and entities.{needed[0]} {count}: give one value per entity in each", "entities." + name);
        if (count == 0) throw new InvalidRequestException("entities lists no entity", "entities");
        if (count > MaxLookupEntities)
            throw new InvalidRequestException($"{count} entities asked at once; at most {MaxLookupEntities} (ask in batches, or build a training set)", "entities");
        // The elements stay valid as long as the request's document (a clone the adapter keeps): no copy per value.
        var named = columns.Select(c => (Name: needed.First(n => string.Equals(n, c.Key, StringComparison.OrdinalIgnoreCase)), Values: c.Value.EnumerateArray().ToArray())).ToArray();
        var rows = new List<IReadOnlyDictionary<string, object?>>(count);
        for (var i = 0; i < count; i++)
        {
            var row = new Dictionary<string, object?>(named.Length, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in named) row[name] = values[i];
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Each entity's key in <paramref name="view"/>'s types (null: a JSON null, which no row matches), as planned.</summary>
    private static (string? Key, object?[] Values)[] LookupKeys(FeatureView view, FeatureLookupPlan plan)
    {
        if (plan.Keys is { } keys)
            for (var v = 0; v < plan.Views.Count; v++)
                if (ReferenceEquals(plan.Views[v], view)) return keys[v];
        return ParseKeys(view, plan);
    }

    private static (string? Key, object?[] Values)[] ParseKeys(FeatureView view, FeatureLookupPlan plan)
    {
        var types = Enumerable.Range(0, view.Entities.Count).Select(i => PointInTime.KeyType(view, i)).ToArray();
        var keys = new (string?, object?[])[plan.Entities.Count];
        for (var e = 0; e < keys.Length; e++)
        {
            var values = new object?[types.Length];
            var missing = false;
            for (var i = 0; i < types.Length; i++)
            {
                var element = (JsonElement)plan.Entities[e][view.Entities[i]]!;
                if (element.ValueKind == JsonValueKind.Null) { missing = true; continue; }
                values[i] = EntityKey.Parse(element, types[i], $"entities.{view.Entities[i]}[{e.ToString(CultureInfo.InvariantCulture)}]");
            }
            keys[e] = (missing ? null : EntityKey.Of(values, types), values);
        }
        return keys;
    }

    /// <summary>
    /// Every dataset a feature read reads must be granted (read for JSON, export for files) and published; its scope
    /// is the principal's row filters and masks. Matching or placing rows in time by a masked column, or computing a
    /// feature from one, is refused: the answer would silently differ from the data (a column feature is served masked).
    /// </summary>
    private async Task<IReadOnlyDictionary<string, PolicyScope>> AuthorizeFeaturesAsync(Principal principal, QueryPlan plan, IReadOnlyList<FeatureRef> features, CancellationToken cancellationToken)
    {
        var scopes = new Dictionary<string, PolicyScope>(StringComparer.OrdinalIgnoreCase);
        foreach (var read in plan.Reads)
        {
            var dataset = _project.GetDataset(read.Dataset);
            Policy.Authorize(principal, dataset, read.Action);
            if (dataset.Materialization != Materialization.Table)
                throw new InvalidRequestException(
                    $"dataset '{dataset.Name}' is live: features read published versions; materialize it (materialization: table)", "features");
            var schema = await _schemas.GetAsync(dataset, cancellationToken);
            var applied = Policy.Apply(principal, dataset, schema, new RowsQuery { Dataset = dataset.Name });
            var scope = applied.PolicyFilters.Count == 0 && applied.Masks.Count == 0 ? PolicyScope.Unrestricted
                : new PolicyScope(applied.PolicyFilters, applied.Masks) { MaskKey = applied.MaskKey };
            foreach (var view in features.Select(f => f.View).Distinct().Where(v => string.Equals(v.Dataset.Name, dataset.Name, StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var column in view.Entities.Append(view.EventTimestamp).Concat(view.CreatedTimestamp is { } c ? [c] : []))
                    if (scope.Masks.ContainsKey(column))
                        throw new ForbiddenException(
                            $"column '{column}' of '{dataset.Name}' keys or times feature view '{view.Name}' and is masked for principal '{principal.Name}' (PII); reading the view needs a role with 'pii: true'");
                foreach (var feature in features.Where(f => f.View == view && (f.Feature.Sql is not null || f.Feature.Aggregate is not null)))
                    if (feature.Feature.Reads.FirstOrDefault(scope.Masks.ContainsKey) is { } masked)
                        throw new ForbiddenException(
                            $"feature '{feature.FullName}' is computed from column '{masked}' of '{dataset.Name}', masked for principal '{principal.Name}' (PII); it needs a role with 'pii: true'");
            }
            scopes[dataset.Name] = scope;
        }
        return scopes;
    }

    /// <summary>Leases and scopes every view's dataset and returns the per-view inputs of the point-in-time SQL and its values.</summary>
    private async Task<(List<PointInTime.ViewInput> Inputs, List<object> Values)> OpenViewsAsync(IReadOnlyList<FeatureRef> features, IReadOnlyList<FeatureView> views,
        IReadOnlyDictionary<string, PolicyScope> scopes, List<(DatasetDefinition Dataset, DataVersion? Version)> leased, List<IDisposable> leases, CancellationToken cancellationToken)
    {
        var inputs = new List<PointInTime.ViewInput>();
        var values = new List<object>();
        var opened = new Dictionary<string, Core.Sql.SqlStatement>(StringComparer.OrdinalIgnoreCase);
        foreach (var view in views)
        {
            var dataset = _project.GetDataset(view.Dataset.Name);
            if (!opened.TryGetValue(dataset.Name, out var select))
            {
                var (scoped, version, lease) = await _reader.OpenScopedAsync(dataset, scopes[dataset.Name], cancellationToken);
                if (lease is not null) leases.Add(lease);
                leased.Add((dataset, version));
                opened[dataset.Name] = select = scoped;
            }
            inputs.Add(new PointInTime.ViewInput(view, features.Where(f => f.View == view).Select(f => f.Feature).ToList(), DatasetReader.Renumber(select.Text, values.Count)));
            values.AddRange(select.Parameters);
        }
        return (inputs, values);
    }

    private async Task<OpenedRead> OpenTrainingSetAsync(TrainingSetPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes, SinkCapabilities capabilities, CancellationToken cancellationToken)
    {
        var leases = new List<IDisposable>();
        var leased = new List<(DatasetDefinition Dataset, DataVersion? Version)>();
        try
        {
            var (inputs, values) = await OpenViewsAsync(plan.Features, plan.Views, scopes, leased, leases, cancellationToken);
            Core.Sql.SqlStatement entities;
            if (plan.Entities.Dataset is { } entityDataset)
            {
                var (select, version, lease) = await _reader.OpenScopedAsync(entityDataset, scopes[entityDataset.Name], cancellationToken);
                if (lease is not null) leases.Add(lease);
                if (!leased.Any(l => string.Equals(l.Dataset.Name, entityDataset.Name, StringComparison.OrdinalIgnoreCase))) leased.Add((entityDataset, version));
                entities = select;
            }
            else
            {
                var path = Core.Sql.SqlDialect.Literal(plan.Entities.File!);
                entities = new Core.Sql.SqlStatement(plan.Entities.Format switch
                {
                    "csv" => $"SELECT * FROM read_csv({path}, header = true)",
                    "json" => $"SELECT * FROM read_json({path}, format = 'array')",
                    _ => $"SELECT * FROM read_parquet({path})",
                }, []);
            }
            Core.Sql.SqlStatement Compose(IReadOnlyList<Results.ResultColumn> loaded)
            {
                var columns = loaded.Select(c => c.Name).ToList();
                CheckEntityColumns(columns, plan.Views, plan.Features);
                // The entity rows' time is read by the cheapest exact form for the type the upload or dataset gave it.
                var timeType = loaded.First(c => string.Equals(c.Name, PointInTime.EntityTime, StringComparison.OrdinalIgnoreCase)).EngineType;
                return new Core.Sql.SqlStatement(PointInTime.TrainingSet(inputs, DatasetReader.EntityRelation, columns, timeType), values);
            }
            // A Parquet or CSV answer is encoded by DuckDB itself, as a rows export is: no row passes through .NET.
            if (capabilities.NativeCopy is { } native && Store.NativeExport.Supported)
                return new OpenedTrainingExport(await _reader.ExportWithEntitiesAsync(entities, Compose, () => Release(leases), cancellationToken), native, leased);
            var result = await _reader.QueryWithEntitiesAsync(entities, Compose, () => Release(leases), cancellationToken);
            return new OpenedStream("training_set", result, leased, TrainingSetNotCounted);
        }
        catch
        {
            Release(leases);
            throw;
        }
    }

    private const string TrainingSetNotCounted = "training sets are answered as csv, parquet, ndjson or json";

    /// <summary>A training set DuckDB writes as Parquet or CSV straight into the answer.</summary>
    private sealed class OpenedTrainingExport(Store.NativeExport export, INativeFormat native, IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> leased) : OpenedRead
    {
        public override string Name => "training_set";
        public override IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> Leased => leased;

        public override Task<long> CountAsync(CancellationToken cancellationToken) => throw new InvalidRequestException(TrainingSetNotCounted, "format");

        public override Task<long> WriteAsync(IReadSink sink, ReadAnswer answer, Stream body, CancellationToken cancellationToken) =>
            export.CopyToAsync(native, body, cancellationToken);

        public override ValueTask DisposeAsync() => export.DisposeAsync();
    }

    private static void CheckEntityColumns(IReadOnlyList<string> columns, IReadOnlyList<FeatureView> views, IReadOnlyList<FeatureRef> features)
    {
        if (columns.FirstOrDefault(c => c.StartsWith("ladle_", StringComparison.OrdinalIgnoreCase)) is { } own)
            throw new InvalidRequestException($"entity rows may not have a column named {own}: names starting with ladle_ are Ladle's own; rename it", "entities");
        var needed = views.SelectMany(v => v.Entities).Prepend(PointInTime.EntityTime).Distinct(StringComparer.OrdinalIgnoreCase);
        var missing = needed.Where(n => !columns.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count > 0)
            throw new InvalidRequestException(
                $"the entity rows have no column {string.Join(", ", missing)}; they have {string.Join(", ", columns)} and need {PointInTime.EntityTime} (when each row asks) and every entity key of the features", "entities");
        if (features.FirstOrDefault(f => columns.Contains(f.Feature.Name, StringComparer.OrdinalIgnoreCase)) is { } clash)
            throw new InvalidRequestException($"the entity rows have a column '{clash.Feature.Name}', the name feature {clash.FullName} answers under; rename that column", "entities");
    }
}
