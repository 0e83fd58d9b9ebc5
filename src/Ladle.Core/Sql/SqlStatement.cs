namespace Ladle.Core.Sql;

/// <summary>
/// SQL text and the values bound to its placeholders, in order: what every compiled read is (a rows select, a
/// metric query, a check) and what every connector executes.
/// </summary>
public sealed record SqlStatement(string Text, IReadOnlyList<object> Parameters);
