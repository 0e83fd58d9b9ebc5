using System.Text.Json;

namespace Ladle.Engine.Serving;

/// <summary>A point-in-time training set: features (a service, or view.feature names) for entity rows (an upload, or a dataset).</summary>
public sealed record TrainingSetRequest : ReadRequest
{
    public string? FeatureService { get; init; }
    public IReadOnlyList<string> Features { get; init; } = [];

    /// <summary>A file holding the uploaded entity rows (the adapter deletes it after the read).</summary>
    public string? EntityFile { get; init; }

    /// <summary>csv, json (an array of objects) or parquet, for <see cref="EntityFile"/>.</summary>
    public string? EntityFormat { get; init; }

    /// <summary>A dataset whose rows are the entity rows.</summary>
    public string? EntityDataset { get; init; }
}

/// <summary>An online lookup: features of some entities, now; <see cref="Entities"/> is a JSON object of key column → array of values.</summary>
public sealed record FeatureLookupRequest : ReadRequest
{
    public string? FeatureService { get; init; }
    public IReadOnlyList<string> Features { get; init; } = [];
    public JsonElement Entities { get; init; }
}
