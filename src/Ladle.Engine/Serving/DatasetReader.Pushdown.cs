using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Queries;
using Ladle.Core.Sql;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Sql;
using Ladle.Engine.SqlGateway;

namespace Ladle.Engine.Serving;

public sealed partial class DatasetReader
{
    /// <summary>
    /// Where a principal's statement runs: null when it reads only table datasets (the store's sandbox); the source's
    /// connector when it reads only live datasets of one PostgreSQL or SQLite source (pushed down there whole). Any
    /// other mix is refused with the reason: one statement runs in one engine, and Ladle does not move a live
    /// source's rows into the store to join them.
    /// </summary>
    internal SourceConnector? PushdownTarget(IReadOnlyList<DatasetDefinition> datasets)
    {
        var live = datasets.Where(d => d.Materialization != Materialization.Table).ToList();
        if (live.Count == 0) return null;
        foreach (var dataset in live)
            if (_connectors.For(dataset) is not (PostgresConnector or SqliteConnector))
                throw new InvalidRequestException(
                    $"dataset '{dataset.Name}' is live over source '{dataset.Source}' ({_connectors.For(dataset).Definition.Kind.ToString().ToLowerInvariant()}): SQL pushes live datasets " +
                    "down only to a PostgreSQL or SQLite source; read it over REST, or materialize it (materialization: table)", "sql");
        if (datasets.FirstOrDefault(d => d.Materialization == Materialization.Table) is { } table)
            throw new InvalidRequestException(
                $"the statement reads live dataset '{live[0].Name}' (source '{live[0].Source}') and table dataset '{table.Name}' (the store): a statement over live datasets is " +
                $"pushed down whole to their one database, which does not hold '{table.Name}'; materialize '{live[0].Name}' (materialization: table), or query them separately", "sql");
        if (live.FirstOrDefault(d => !string.Equals(d.Source, live[0].Source, StringComparison.Ordinal)) is { } other)
            throw new InvalidRequestException(
                $"the statement reads live datasets of two sources ('{live[0].Name}' of '{live[0].Source}', '{other.Name}' of '{other.Source}'): a statement over live datasets is " +
                "pushed down whole to one database; materialize one of them (materialization: table), or query them separately", "sql");
        return _connectors.For(live[0]);
    }

    /// <summary>
    /// The statement in the source's SQL: each dataset its policy-scoped SELECT (row filters and masks rendered as a
    /// rows read renders them), the statement's values bound first, the scopes' after. Described (no values yet),
    /// every $n is NULL: the answer's columns do not depend on them.
    /// </summary>
    internal async Task<SqlStatement> ComposePushdownAsync(SqlPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes, SourceConnector connector, bool describe,
        CancellationToken cancellationToken)
    {
        if (plan.StatementKind == SqlStatementKind.Explain)
            throw new InvalidRequestException("EXPLAIN of a statement over live datasets is not served: it would show the source's plan; ask without EXPLAIN", "sql");
        var dialect = connector.Dialect;
        var parameters = new SqlParameters(dialect);
        if (!describe)
            foreach (var value in plan.Parameters) parameters.Bind(value ?? DBNull.Value);
        var scoped = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var read in plan.Reads)
        {
            var dataset = _project.GetDataset(read.Dataset);
            var schema = await _schemas.GetAsync(dataset, cancellationToken);
            var scope = scopes[dataset.Name];
            var query = new RowsQuery { Dataset = dataset.Name, PolicyFilters = scope.RowFilters, Masks = scope.Masks, MaskKey = scope.MaskKey };
            scoped[dataset.Name] = SelectBuilder.Build(dialect, connector.Relation(dataset), schema, query, [], null, parameters).Text;
        }
        var tree = System.Text.Json.Nodes.JsonNode.Parse(plan.Tree)!;
        var statement = (System.Text.Json.Nodes.JsonObject)tree["statements"]![0]!;
        var writer = new SqlPushdownWriter(dialect, connector.Definition.Name, scoped, n => describe ? "NULL" : dialect.Placeholder(n - 1));
        return new SqlStatement(writer.Write(statement), parameters.Values);
    }

    /// <summary>The columns a pushed-down statement answers, asked of the source without reading a row.</summary>
    internal async Task<ResultSchema> DescribePushdownAsync(SqlStatement statement, SourceConnector connector, CancellationToken cancellationToken)
    {
        await using var result = await connector.QueryAsync(statement with { Text = $"SELECT * FROM ({statement.Text}) AS described LIMIT 0" }, null, cancellationToken);
        return result.Schema;
    }
}
