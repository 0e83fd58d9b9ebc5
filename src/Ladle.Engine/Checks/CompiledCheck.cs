using Ladle.Engine.Sql;

namespace Ladle.Engine.Checks;

/// <summary>
/// A check as SQL: <see cref="Measure"/> returns one row (failing, total) or the measured value;
/// <see cref="Sample"/> returns failing rows to show the owner.
/// </summary>
public sealed record CompiledCheck(SqlStatement Measure, SqlStatement? Sample);
