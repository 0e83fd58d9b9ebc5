using Ladle.Core.Model;

namespace Ladle.Cli.Tests.Demo;

/// <summary>Which physical column types can carry each declared Ladle type without loss of meaning.</summary>
internal static class DeclaredTypes
{
    /// <summary>
    /// True when a DuckDB column type carries the declared type. CSV and JSON have no decimal type, so
    /// DuckDB infers DOUBLE for decimal text there; the declared type then decides how it is served.
    /// </summary>
    public static bool DuckDbCarries(LadleType declared, string duckDbType, bool textFormat) => declared switch
    {
        LadleType.Integer => duckDbType is "TINYINT" or "SMALLINT" or "INTEGER" or "BIGINT" or "HUGEINT",
        LadleType.Double => duckDbType is "DOUBLE" or "FLOAT",
        LadleType.Decimal => duckDbType.StartsWith("DECIMAL", StringComparison.Ordinal) || (textFormat && duckDbType == "DOUBLE"),
        LadleType.Boolean => duckDbType == "BOOLEAN",
        LadleType.Date => duckDbType == "DATE",
        LadleType.Timestamp => duckDbType == "TIMESTAMP",
        LadleType.String => duckDbType == "VARCHAR",
        _ => false,
    };

    /// <summary>The SQLite declared column type the demo uses for each Ladle type.</summary>
    public static string SqliteDeclared(LadleType declared) => declared switch
    {
        LadleType.Integer => "INTEGER",
        LadleType.Double => "REAL",
        LadleType.Boolean => "BOOLEAN",
        LadleType.Timestamp => "TIMESTAMP",
        LadleType.String => "TEXT",
        _ => throw new ArgumentOutOfRangeException(nameof(declared), declared, "the demo keeps no such column in SQLite"),
    };

    /// <summary>The storage class SQLite reports (typeof) for non-null values of each declared type.</summary>
    public static string SqliteStorage(LadleType declared) => declared switch
    {
        LadleType.Integer or LadleType.Boolean => "integer",
        LadleType.Double => "real",
        _ => "text",
    };

    public static string DuckDbType(LadleType declared) => declared switch
    {
        LadleType.Integer => "BIGINT",
        LadleType.Double => "DOUBLE",
        LadleType.Decimal => "DECIMAL(18, 4)",
        LadleType.Boolean => "BOOLEAN",
        LadleType.Date => "DATE",
        LadleType.Timestamp => "TIMESTAMP",
        _ => "VARCHAR",
    };
}
