namespace Ladle.Core.Queries;

/// <summary>Comparison operators of the rows API, written as <c>col:op:value</c>.</summary>
public enum FilterOperator : byte
{
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Between,
    Like,
    IsNull,
    NotNull,
}

/// <summary>One typed condition on one column; values are bound as parameters, never spliced into SQL.</summary>
public sealed record Filter(string Column, FilterOperator Operator, IReadOnlyList<object> Values);

/// <summary>One ORDER BY key.</summary>
public sealed record SortKey(string Column, bool Descending);
