using Ladle.Engine.Results;

namespace Ladle.Engine.Serving;

/// <summary>
/// One SQL statement from a principal (the PostgreSQL wire protocol; later notebooks): planned, authorized per
/// dataset it references, scoped by policy and run in a sandbox by <see cref="ReadPipeline"/>, like any read.
/// </summary>
public sealed record SqlRequest : ReadRequest
{
    /// <summary>Exactly one statement (the wire layer splits a simple query's several statements).</summary>
    public required string Sql { get; init; }

    /// <summary>Values bound to $1..$n, as .NET values (long, double, decimal, bool, string, DateOnly, DateTime, Guid, byte[], TimeSpan) or null.</summary>
    public IReadOnlyList<object?> Parameters { get; init; } = [];
}

/// <summary>What a statement would answer, without running it: its columns and the types of its parameters.</summary>
/// <param name="Columns">The answer's columns (empty for a statement that answers no rows).</param>
/// <param name="ParameterTypes">The engine's type name of each $n, in order (null where the engine cannot tell).</param>
public sealed record SqlDescription(IReadOnlyList<ResultColumn> Columns, IReadOnlyList<string?> ParameterTypes);
