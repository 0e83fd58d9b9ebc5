namespace Ladle.Core.Semantic.Sql;

/// <summary>A built rollup table a node reads instead of its model's rows.</summary>
public sealed record RollupSource(RollupDefinition Rollup, string Relation);
