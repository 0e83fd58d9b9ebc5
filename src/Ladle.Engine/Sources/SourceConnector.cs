using Ladle.Core.Model;
using Ladle.Engine.Results;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Sources;

/// <summary>
/// Reaches one source: says how a dataset reads as a relation in the source's SQL, and runs statements there,
/// so that projection, filters, order and limit of a live dataset execute where the data lives.
/// </summary>
public abstract class SourceConnector(SourceDefinition definition) : IAsyncDisposable
{
    public SourceDefinition Definition { get; } = definition;

    public abstract SqlDialect Dialect { get; }

    /// <summary>How long a statement may run before it is interrupted (server.statement_timeout); infinite by default.</summary>
    public TimeSpan StatementTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>The dataset as a FROM item in the source's SQL (a quoted table, a subquery, a file reader).</summary>
    public virtual string Relation(DatasetDefinition dataset) =>
        dataset.Sql is { } sql ? $"({sql.TrimEnd().TrimEnd(';')})" : Dialect.QuoteQualified(dataset.Table!);

    /// <summary>
    /// Runs a statement in the source and streams its rows. With a <paramref name="schema"/>, values are converted
    /// to its types; without, the types are read from the result.
    /// </summary>
    public abstract Task<ResultStream> QueryAsync(SqlStatement statement, ResultSchema? schema, CancellationToken cancellationToken);

    /// <summary>The columns the dataset's relation yields in the source, with their serving types.</summary>
    public Task<ResultSchema> DescribeAsync(DatasetDefinition dataset, CancellationToken cancellationToken) =>
        DescribeRelationAsync(Relation(dataset), cancellationToken);

    /// <summary>The columns of any relation in this source (a table, a subquery, a version).</summary>
    public async Task<ResultSchema> DescribeRelationAsync(string relation, CancellationToken cancellationToken)
    {
        await using var result = await QueryAsync(new SqlStatement($"SELECT * FROM {relation} AS t LIMIT 0", []), null, cancellationToken);
        return result.Schema;
    }

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
