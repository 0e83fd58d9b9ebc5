using Ladle.Core.Policy;

namespace Ladle.Core.Plans;

/// <summary>What a principal's SQL statement is: a query, or the plan of one.</summary>
public enum SqlStatementKind : byte
{
    /// <summary>SELECT, WITH … SELECT, VALUES, TABLE: rows.</summary>
    Select,

    /// <summary>EXPLAIN of such a statement: the engine's plan as rows.</summary>
    Explain,
}

/// <summary>A column a statement filters, groups or joins on, as written (<see cref="Qualifier"/>: the table or alias before it, if any).</summary>
public sealed record SqlConditionColumn(string? Qualifier, string Name);

/// <summary>
/// A dataset column a statement's condition reads, traced through aliases, expressions, subqueries and CTEs;
/// <see cref="Dataset"/> null when the gateway could not bind the reference (then any read dataset's column of that name).
/// </summary>
public sealed record SqlColumnOrigin(string? Dataset, string Column);

/// <summary>
/// A principal's SQL statement, parsed and checked by the SQL gateway: only reads, only the datasets the principal
/// may see, the catalog's relations and harmless functions. <see cref="Tree"/> is the engine's own syntax tree with
/// each dataset reference marked, for the gateway to replace with the dataset's policy-scoped relation on its leased
/// version once the pipeline has authorized the reads and leased the versions; the plan itself is pure.
/// </summary>
public sealed class SqlPlan(string sql, SqlStatementKind statementKind, string tree, IReadOnlyList<PlanRead> reads,
    IReadOnlyList<SqlConditionColumn> conditionColumns, int parameterCount) : QueryPlan
{
    /// <summary>The statement as the principal sent it (what the audit keeps).</summary>
    public string Sql { get; } = sql;

    public SqlStatementKind StatementKind { get; } = statementKind;

    /// <summary>The parsed statement (DuckDB's json_serialize_sql form), dataset references marked, catalog relations and calls already rewritten.</summary>
    public string Tree { get; } = tree;

    /// <summary>The columns the statement filters, groups or joins on: none may be masked for the principal, as in REST.</summary>
    public IReadOnlyList<SqlConditionColumn> ConditionColumns { get; } = conditionColumns;

    /// <summary>
    /// What <see cref="ConditionColumns"/> read, traced to their datasets' columns; null when not traced (then every
    /// condition column is taken by name, against every dataset the statement reads).
    /// </summary>
    public IReadOnlyList<SqlColumnOrigin>? ConditionOrigins { get; init; }

    /// <summary>How many $n parameters the statement uses (the highest n).</summary>
    public int ParameterCount { get; } = parameterCount;

    /// <summary>The type the SQL catalog states for each answered column (PostgreSQL's name, oid, …), null where the engine's stands; null for none.</summary>
    public IReadOnlyList<string?>? ColumnTypes { get; init; }

    /// <summary>The values bound to $1..$n (empty when describing a statement).</summary>
    public IReadOnlyList<object?> Parameters { get; init; } = [];

    /// <summary>
    /// Set when the statement reads a metric relation (<c>metrics.&lt;model&gt;</c>): the metric query it asks, for the
    /// pipeline to serve through the semantic layer instead of running <see cref="Tree"/>.
    /// </summary>
    public SqlMetricQuery? Metrics { get; init; }

    /// <summary>The same checked statement with other values bound to its $n.</summary>
    public SqlPlan WithParameters(IReadOnlyList<object?> parameters) =>
        new(Sql, StatementKind, Tree, Reads, ConditionColumns, ParameterCount) { ColumnTypes = ColumnTypes, Metrics = Metrics, Parameters = parameters, ConditionOrigins = ConditionOrigins };

    /// <summary>The same checked statement with its conditions traced to the dataset columns they read.</summary>
    public SqlPlan WithConditionOrigins(IReadOnlyList<SqlColumnOrigin> origins) =>
        new(Sql, StatementKind, Tree, Reads, ConditionColumns, ParameterCount) { ColumnTypes = ColumnTypes, Metrics = Metrics, Parameters = Parameters, ConditionOrigins = origins };

    public override PlanKind Kind => PlanKind.Sql;
    public override IReadOnlyList<PlanRead> Reads { get; } = reads;
    public override string AuditAction => "sql";
    public override string AuditTarget => string.Join(",", Reads.Select(r => r.Dataset));
    public override string AuditText => Sql;

    /// <summary>The action a statement's reads need: reading rows (a SQL client's cursor), or exporting them (COPY, a bulk sink).</summary>
    public static DataAction ActionFor(bool bulk) => bulk ? DataAction.Export : DataAction.Read;
}
