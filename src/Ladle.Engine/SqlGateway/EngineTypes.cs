namespace Ladle.Engine.SqlGateway;

/// <summary>DuckDB's SQL names for the type ids its .NET provider reports (Integer → INTEGER, HugeInt → HUGEINT, …).</summary>
internal static class EngineTypes
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Boolean"] = "BOOLEAN", ["TinyInt"] = "TINYINT", ["SmallInt"] = "SMALLINT", ["Integer"] = "INTEGER", ["BigInt"] = "BIGINT",
        ["UnsignedTinyInt"] = "UTINYINT", ["UnsignedSmallInt"] = "USMALLINT", ["UnsignedInteger"] = "UINTEGER", ["UnsignedBigInt"] = "UBIGINT",
        ["Float"] = "FLOAT", ["Double"] = "DOUBLE", ["Timestamp"] = "TIMESTAMP", ["Date"] = "DATE", ["Time"] = "TIME", ["Interval"] = "INTERVAL",
        ["HugeInt"] = "HUGEINT", ["UnsignedHugeInt"] = "UHUGEINT", ["Varchar"] = "VARCHAR", ["Blob"] = "BLOB", ["Decimal"] = "DECIMAL",
        ["TimestampS"] = "TIMESTAMP_S", ["TimestampMs"] = "TIMESTAMP_MS", ["TimestampNs"] = "TIMESTAMP_NS", ["Enum"] = "ENUM", ["List"] = "LIST",
        ["Struct"] = "STRUCT", ["Map"] = "MAP", ["Uuid"] = "UUID", ["Union"] = "UNION", ["Bit"] = "BIT", ["TimeTz"] = "TIME WITH TIME ZONE",
        ["TimestampTz"] = "TIMESTAMP WITH TIME ZONE", ["Array"] = "ARRAY", ["VarInt"] = "VARINT", ["SqlNull"] = "NULL",
    };

    /// <summary>The SQL name of a provider type id; the id upper-cased when unknown.</summary>
    public static string Name(string providerName) => Names.TryGetValue(providerName, out var name) ? name : providerName.ToUpperInvariant();
}
