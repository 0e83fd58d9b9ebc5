using System.Globalization;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>DuckDB SQL literals for the catalog's rows: only project text (names, descriptions), never request values.</summary>
internal static class PgSql
{
    public const string Null = "NULL";

    public static string Text(string? text) => text is null ? Null : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Bool(bool value) => value ? "true" : "false";

    public static string Char(char value) => value == '\0' ? "''" : Text(value.ToString());

    public static string List(IEnumerable<string> items) => "[" + string.Join(", ", items) + "]";

    public static string Numbers(IEnumerable<long> values) => List(values.Select(Number));

    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// A relation with exactly the columns of <paramref name="relation"/> (see <see cref="PgRelationShapes"/>), from
    /// rows that give some of them as SQL literals; a column a row leaves out is false, 0 or NULL by its type.
    /// </summary>
    public static string Rows(string relation, IReadOnlyCollection<IReadOnlyDictionary<string, string>> rows)
    {
        var columns = PgRelationShapes.Columns(relation) ?? throw new InvalidOperationException($"no shape for catalog relation {relation}");
        var casts = string.Join(", ", columns.Select(c => $"CAST({(rows.Count == 0 ? Null : Identifier(c.Name))} AS {c.Type}) AS {Identifier(c.Name)}"));
        if (rows.Count == 0) return $"SELECT {casts} WHERE false";
        foreach (var key in rows.SelectMany(r => r.Keys).Distinct())
            if (columns.All(c => c.Name != key)) throw new InvalidOperationException($"catalog relation {relation} has no column {key}");
        var values = string.Join(",\n", rows.Select(r => "(" + string.Join(", ", columns.Select(c => r.TryGetValue(c.Name, out var v) ? v : Default(relation, c.Type))) + ")"));
        return $"SELECT {casts} FROM (VALUES {values}) AS v({string.Join(", ", columns.Select(c => Identifier(c.Name)))})";
    }

    /// <summary>Every column of <paramref name="relation"/> as an expression over the given ones, defaults for the rest.</summary>
    public static string Project(string relation, IReadOnlyDictionary<string, string> expressions) =>
        string.Join(", ", (PgRelationShapes.Columns(relation) ?? throw new InvalidOperationException($"no shape for catalog relation {relation}"))
            .Select(c => $"CAST({(expressions.TryGetValue(c.Name, out var e) ? e : Default(relation, c.Type))} AS {c.Type}) AS {Identifier(c.Name)}"));

    // pg_catalog's columns are NOT NULL; information_schema's say NULL for what does not apply.
    private static string Default(string relation, string type) => relation.StartsWith("information_schema.", StringComparison.Ordinal) ? Null : type switch
    {
        "BOOLEAN" => "false",
        "UINTEGER" or "INTEGER" or "SMALLINT" or "BIGINT" or "FLOAT" or "DOUBLE" => "0",
        _ => Null,
    };
}
