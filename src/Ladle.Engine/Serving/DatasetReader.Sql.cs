using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Queries;
using Ladle.Engine.Sql;
using Ladle.Engine.SqlGateway;
using Ladle.Engine.Results;
using Ladle.Engine.Versions;

namespace Ladle.Engine.Serving;

public sealed partial class DatasetReader
{
    private GovernedSql? _sql;

    /// <summary>Principals' SQL in the store (the SQL gateway's engine side).</summary>
    internal GovernedSql Governed => _sql ??= new GovernedSql(_store, _connectors.Store);

    /// <summary>The served versions, whose changes invalidate what the SQL gateway keeps.</summary>
    internal VersionCatalog Versions => _catalog;

    /// <summary>Live datasets are not pushed down from SQL yet: the statement could join them with other sources.</summary>
    internal static InvalidRequestException LiveOverSql(DatasetDefinition dataset) => new(
        $"dataset '{dataset.Name}' is live (materialization: {dataset.Materialization.ToString().ToLowerInvariant()}): SQL reads published versions only; " +
        "read it over REST, or materialize it (materialization: table)", "sql");

    /// <summary>
    /// A dataset as one principal's SQL reads it: a SELECT of its served version (leased until the lease is
    /// disposed) with the principal's row filters and masks, exactly as a rows read renders them (SelectBuilder,
    /// precomputed masks), its values bound as <c>$p1…</c>.
    /// </summary>
    internal async Task<(SqlStatement Select, DataVersion Version, IDisposable? Lease)> OpenScopedAsync(DatasetDefinition dataset, PolicyScope scope, CancellationToken cancellationToken)
    {
        if (dataset.Materialization != Materialization.Table) throw LiveOverSql(dataset);
        var schema = await _schemas.GetAsync(dataset, cancellationToken);
        var (relation, version, lease) = OpenVersion(dataset, null);
        try
        {
            var query = new RowsQuery { Dataset = dataset.Name, PolicyFilters = scope.RowFilters, Masks = scope.Masks, MaskKey = scope.MaskKey };
            var (source, precomputed) = _store.Masks.For(dataset.Name, version.Version, relation, query);
            var select = SelectBuilder.Build(SqlDialect.DuckDb, Governed.Qualified(source), schema, query, [], precomputed);
            return (select, version, lease);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }
    }
}
