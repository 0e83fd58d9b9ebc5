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

    /// <summary>
    /// For the catalog's search: the columns of a table dataset that declares none, as its published version has them
    /// (asked once per version); null for a dataset that declares its columns, is live (its source is not asked on every
    /// search), or never published.
    /// </summary>
    public async Task<IReadOnlyList<SchemaColumn>?> PublishedColumnsAsync(DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        if (dataset.Columns.Count > 0 || dataset.Materialization != Materialization.Table) return null;
        try
        {
            return (await schemas.GetAsync(dataset, cancellationToken)).Columns;
        }
        catch (Core.Errors.LadleException)
        {
            return null;
        }
    }

    /// <summary>Version records, newest first.</summary>
    public Task<IReadOnlyList<VersionRecord>> VersionsAsync(DatasetDefinition dataset, int limit, CancellationToken cancellationToken) =>
        state.ListVersionsAsync(dataset.Name, limit, cancellationToken);
}
