using Ladle.Core.Model;

namespace Ladle.Engine.Results;

/// <summary>A column of a result: its name and logical type.</summary>
public sealed record ResultColumn(string Name, LadleType Type)
{
    /// <summary>
    /// The engine's own type name where it says more than <see cref="Type"/> (DuckDB's INTEGER, UUID, INTERVAL,
    /// DECIMAL(18,2), …), so an interface with a richer type system (the PostgreSQL wire protocol) states it
    /// exactly; null when only the logical type is known.
    /// </summary>
    public string? EngineType { get; init; }

    /// <summary>
    /// The type the SQL catalog states for the column where the engine has none like it (PostgreSQL's <c>name</c>,
    /// <c>"char"</c>, <c>oid</c>, <c>varchar</c> of a catalog column, <c>json</c> of a cast), so the wire states what
    /// PostgreSQL would; null when the engine's type stands.
    /// </summary>
    public string? CatalogType { get; init; }
}

/// <summary>The columns of a result, in order.</summary>
public sealed class ResultSchema(IReadOnlyList<ResultColumn> columns)
{
    public IReadOnlyList<ResultColumn> Columns { get; } = columns;

    public int IndexOf(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
