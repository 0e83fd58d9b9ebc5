using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Core.Queries;

namespace Ladle.Core.Plans;

/// <summary>Rows of one dataset, read page by page or exported whole.</summary>
public sealed class RowsPlan(DatasetDefinition dataset, DatasetSchema schema, RowsQuery query, DataAction action, string filterText) : QueryPlan
{
    private IReadOnlyList<PlanRead>? _reads;
    private IReadOnlyList<PlanColumn>? _output;

    public DatasetDefinition Dataset { get; } = dataset;

    /// <summary>The dataset's columns the query was typed against.</summary>
    public DatasetSchema Schema { get; } = schema;

    /// <summary>The query as the caller asked it, before its policy scope.</summary>
    public RowsQuery Query { get; } = query;

    public DataAction Action { get; } = action;

    public override PlanKind Kind => PlanKind.Rows;

    public override IReadOnlyList<PlanRead> Reads =>
        _reads ??= [new PlanRead(Query.Dataset, Query.Columns, Action, Query.Filters.Count > 0 ? ReadShape.Filter : ReadShape.Rows)];

    public override string AuditAction => "read";
    public override string AuditTarget => Query.Dataset;
    public override string AuditText => filterText;

    public override IReadOnlyList<PlanColumn> OutputSchema => _output ??= (Query.Columns.Count > 0 ? Query.Columns : Schema.Names.ToList())
        .Select(n => Schema.Find(n)!).Select(c => new PlanColumn(c.Name, c.Type)).ToList();

    /// <summary>
    /// The query compiled inside a policy scope: its row filters and masks join the caller's query, for the rows
    /// compiler (SelectBuilder) to render in the dialect of the engine that holds the leased version.
    /// </summary>
    public RowsQuery Scoped(PolicyScope scope) =>
        scope.IsUnrestricted ? Query : Query with { PolicyFilters = scope.RowFilters, Masks = scope.Masks, MaskKey = scope.MaskKey };
}
