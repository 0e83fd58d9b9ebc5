using Ladle.Core.Model;
using Ladle.Engine.Results;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Store;

/// <summary>How a version table holds a declared column, whichever source it was loaded from.</summary>
internal static class StoredColumn
{
    /// <summary>
    /// The column as the store should hold it: cast to the declared type's physical type, since one Ladle type
    /// covers several DuckDB types (a SUM is HUGEINT, a file's small integers INTEGER) and every export writes the
    /// stored type, so a version holds exactly what a reader is served and no read casts again. A timestamp is kept
    /// as the source has it: casting a zoned one would read the session's zone. A decimal that is already a DECIMAL
    /// keeps its precision and scale (DECIMAL(12,2) stays so, and exports as such); anything else declared decimal
    /// becomes DECIMAL(38,10). With <paramref name="tryCast"/>, a value that does not convert becomes NULL (the
    /// caller finds and leaves out those rows) instead of failing the load.
    /// </summary>
    public static string Projection(ResultColumn column, ResultSchema source, bool tryCast = false)
    {
        var sourceColumn = source.Columns[source.IndexOf(column.Name)];
        var quoted = SqlDialect.DuckDb.Quote(sourceColumn.Name);
        var alias = SqlDialect.DuckDb.Quote(column.Name);
        if (sourceColumn.Type == column.Type && column.Type is LadleType.Timestamp or LadleType.Decimal) return $"{quoted} AS {alias}";
        var cast = tryCast && sourceColumn.Type != column.Type ? "TRY_CAST" : "CAST";
        return $"{cast}({quoted} AS {SqlDialect.DuckDb.TypeName(column.Type)}) AS {alias}";
    }
}
