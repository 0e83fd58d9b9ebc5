namespace Ladle.Engine.Sql;

/// <summary>SQL text and the values bound to its placeholders, in order.</summary>
public sealed record SqlStatement(string Text, IReadOnlyList<object> Parameters);
