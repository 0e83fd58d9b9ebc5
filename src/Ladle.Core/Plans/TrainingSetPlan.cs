using Ladle.Core.Features;
using Ladle.Core.Model;
using Ladle.Core.Policy;

namespace Ladle.Core.Plans;

/// <summary>Where a training set's entity rows come from: an uploaded file (CSV, JSON array, Parquet) or a dataset.</summary>
public sealed record EntityRows
{
    /// <summary>A file the adapter wrote the upload to (deleted by the adapter after the read).</summary>
    public string? File { get; init; }

    /// <summary>csv, json or parquet, for <see cref="File"/>.</summary>
    public string? Format { get; init; }

    /// <summary>A dataset whose rows (as the principal may read them) are the entity rows.</summary>
    public DatasetDefinition? Dataset { get; init; }

    public string Describe => Dataset is { } d ? "dataset " + d.Name : "upload (" + Format + ")";
}

/// <summary>
/// A point-in-time training set: features of one or more views joined to entity rows as known at each row's
/// <see cref="PointInTime.EntityTime"/>. Reads every view's dataset (and the entity dataset) inside the principal's
/// policy scope, like any read.
/// </summary>
public sealed class TrainingSetPlan(IReadOnlyList<FeatureRef> features, EntityRows entities, DataAction action, string asked) : QueryPlan
{
    private IReadOnlyList<PlanRead>? _reads;

    public IReadOnlyList<FeatureRef> Features { get; } = features;
    public EntityRows Entities { get; } = entities;
    public DataAction Action { get; } = action;

    /// <summary>The views read, in the order their features were named.</summary>
    public IReadOnlyList<FeatureView> Views { get; } = features.Select(f => f.View).Distinct().ToList();

    public override PlanKind Kind => PlanKind.TrainingSet;

    public override IReadOnlyList<PlanRead> Reads => _reads ??= Views
        .Select(v => new PlanRead(v.Dataset.Name, [], Action, ReadShape.Filter))
        .Concat(Entities.Dataset is { } d ? [new PlanRead(d.Name, [], Action, ReadShape.Rows)] : [])
        .DistinctBy(r => r.Dataset, StringComparer.OrdinalIgnoreCase)
        .ToList();

    public override string AuditAction => "training-set";
    public override string AuditTarget => string.Join(",", Views.Select(v => v.Name));
    public override string AuditText => $"{asked}; entities: {Entities.Describe}";
}

/// <summary>An online lookup: the features of some entities as known now, with each value's status and event time.</summary>
public sealed class FeatureLookupPlan(IReadOnlyList<FeatureRef> features, IReadOnlyList<IReadOnlyDictionary<string, object?>> entities, string asked) : QueryPlan
{
    private IReadOnlyList<PlanRead>? _reads;

    public IReadOnlyList<FeatureRef> Features { get; } = features;

    /// <summary>Each entity asked: its key columns and their values (as the request gave them).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Entities { get; } = entities;

    public IReadOnlyList<FeatureView> Views { get; } = features.Select(f => f.View).Distinct().ToList();

    /// <summary>Every entity column any view needs, in the order views name them.</summary>
    public IReadOnlyList<string> EntityColumns { get; } = features.Select(f => f.View).Distinct().SelectMany(v => v.Entities).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// Each view's entity keys, parallel to <see cref="Views"/>: per entity, its key as the online store spells it
    /// (null: a null key value) and its values typed as the view's key columns. Set once by the pipeline when it plans
    /// (parsing and checking every value), so a lookup never parses a key twice.
    /// </summary>
    public IReadOnlyList<(string? Key, object?[] Values)[]>? Keys { get; set; }

    public override PlanKind Kind => PlanKind.FeatureLookup;

    public override IReadOnlyList<PlanRead> Reads => _reads ??= Views
        .Select(v => new PlanRead(v.Dataset.Name, [], DataAction.Read, ReadShape.Filter))
        .DistinctBy(r => r.Dataset, StringComparer.OrdinalIgnoreCase)
        .ToList();

    public override string AuditAction => "features";
    public override string AuditTarget => string.Join(",", Views.Select(v => v.Name));
    public override string AuditText => $"{asked}; {Entities.Count} entities";
}
