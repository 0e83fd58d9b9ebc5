namespace Ladle.Core.Sql;

/// <summary>
/// The values bound to one statement, in placeholder order. Every value from a request, a principal's attributes or
/// a project's check goes through <see cref="Bind"/>: it is never written into the SQL text.
/// </summary>
public sealed class SqlParameters(SqlDialect dialect)
{
    private readonly List<object> _values = [];

    /// <summary>The bound values, in the order of their placeholders.</summary>
    public IReadOnlyList<object> Values => _values;

    /// <summary>Binds <paramref name="value"/> and returns its placeholder.</summary>
    public string Bind(object value)
    {
        _values.Add(value);
        return dialect.Placeholder(_values.Count - 1);
    }
}
