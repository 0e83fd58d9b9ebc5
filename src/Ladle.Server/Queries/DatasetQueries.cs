using Ladle.Core.Model;
using Ladle.Engine.State;
using Ladle.Engine.Versions;

namespace Ladle.Server.Queries;

/// <summary>What the catalog endpoints ask about a dataset: its status, its served columns, its publication history.</summary>
public sealed class DatasetQueries(TrustQueries trust, DatasetSchemas schemas, IStateStore state)
{
    /// <summary>The dataset's served version and trust status now.</summary>
    public DatasetStatus Status(DatasetDefinition dataset) => trust.Status(dataset);

    /// <summary>The served columns (503 for a table dataset without declared columns that never published).</summary>
    public async Task<IReadOnlyList<SchemaColumn>> ColumnsAsync(DatasetDefinition dataset, CancellationToken cancellationToken) =>
        (await schemas.GetAsync(dataset, cancellationToken)).Columns;

    /// <summary>Version records, newest first.</summary>
    public Task<IReadOnlyList<VersionRecord>> VersionsAsync(DatasetDefinition dataset, int limit, CancellationToken cancellationToken) =>
        state.ListVersionsAsync(dataset.Name, limit, cancellationToken);
}
