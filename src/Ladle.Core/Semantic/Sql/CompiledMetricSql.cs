namespace Ladle.Core.Semantic.Sql;

/// <summary>One SQL statement answering a metric query, and the values bound to its placeholders in order.</summary>
public sealed record CompiledMetricSql(string Text, IReadOnlyList<object> Parameters);

/// <summary>A built rollup table a node reads instead of its model's rows.</summary>
public sealed record RollupSource(RollupDefinition Rollup, string Relation);
