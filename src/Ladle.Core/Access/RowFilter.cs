using Ladle.Core.Errors;
using Ladle.Core.Queries;

namespace Ladle.Core.Access;

/// <summary>A value in a row filter: the principal's attribute, or a literal from access.yaml.</summary>
public sealed record RowFilterValue(string? Attribute, string? Literal)
{
    public override string ToString() => Attribute is not null ? $"{{{{ principal.{Attribute} }}}}" : $"'{Literal}'";
}

/// <summary>One condition of a row filter: column, operator, values.</summary>
public sealed record RowCondition(string Column, FilterOperator Operator, IReadOnlyList<RowFilterValue> Values);

/// <summary>
/// A grant's row filter, e.g. <c>merchant_id = {{ principal.merchant_id }} and region in ('EU', 'UK')</c>: conditions
/// joined by AND, compiled to bound parameters, never spliced into SQL.
/// </summary>
public sealed record RowFilter(string Text, IReadOnlyList<RowCondition> Conditions, SourceLocation Location)
{
    /// <summary>The attributes a principal needs for this filter.</summary>
    public IEnumerable<string> Attributes => Conditions.SelectMany(c => c.Values).Where(v => v.Attribute is not null).Select(v => v.Attribute!);
}
