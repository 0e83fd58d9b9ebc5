using Ladle.Core.Errors;

namespace Ladle.Engine.Trust;

/// <summary>A dataset with <c>on_stale: refuse</c> broke its freshness promise: HTTP 503 saying why and since when.</summary>
public sealed class DatasetStaleException(string dataset, DataHealth health)
    : LadleException($"dataset '{dataset}' is stale and refuses to serve: {health.Reason} (stale since {health.Since?.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)")
{
    public string Dataset { get; } = dataset;
    public DataHealth Health { get; } = health;
    public override string Kind => "dataset-stale";
    public override ErrorCategory Category => ErrorCategory.DatasetUnavailable;
}
