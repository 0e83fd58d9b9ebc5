using Ladle.Protocol.Postgres.Backend;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>Name and pg_type.typlen of each served type, for RowDescription and the catalog.</summary>
public static class PgTypes
{
    /// <summary>The PostgreSQL type name (pg_type.typname) of <paramref name="oid"/>.</summary>
    public static string Name(PgTypeOid oid) => oid switch
    {
        PgTypeOid.Bool => "bool",
        PgTypeOid.Bytea => "bytea",
        PgTypeOid.Char => "char",
        PgTypeOid.Name => "name",
        PgTypeOid.Int8 => "int8",
        PgTypeOid.Int2 => "int2",
        PgTypeOid.Int4 => "int4",
        PgTypeOid.Text => "text",
        PgTypeOid.Oid => "oid",
        PgTypeOid.Json => "json",
        PgTypeOid.Float4 => "float4",
        PgTypeOid.Float8 => "float8",
        PgTypeOid.Varchar => "varchar",
        PgTypeOid.Date => "date",
        PgTypeOid.Timestamp => "timestamp",
        PgTypeOid.TimestampTz => "timestamptz",
        PgTypeOid.Interval => "interval",
        PgTypeOid.Numeric => "numeric",
        PgTypeOid.RegClass => "regclass",
        PgTypeOid.Uuid => "uuid",
        _ => throw new ArgumentOutOfRangeException(nameof(oid), oid, "Not a type Ladle serves."),
    };

    /// <summary>pg_type.typlen of <paramref name="oid"/>: the fixed size in bytes, or -1 for variable length.</summary>
    public static short Size(PgTypeOid oid) => oid switch
    {
        PgTypeOid.Bool or PgTypeOid.Char => 1,
        PgTypeOid.Int2 => 2,
        PgTypeOid.Int4 or PgTypeOid.Oid or PgTypeOid.RegClass or PgTypeOid.Float4 or PgTypeOid.Date => 4,
        PgTypeOid.Name => 64,
        PgTypeOid.Int8 or PgTypeOid.Float8 or PgTypeOid.Timestamp or PgTypeOid.TimestampTz => 8,
        PgTypeOid.Interval or PgTypeOid.Uuid => 16,
        PgTypeOid.Bytea or PgTypeOid.Text or PgTypeOid.Json or PgTypeOid.Varchar or PgTypeOid.Numeric => -1,
        _ => throw new ArgumentOutOfRangeException(nameof(oid), oid, "Not a type Ladle serves."),
    };

    /// <summary>A RowDescription field for a computed column (no source table) of type <paramref name="oid"/>.</summary>
    public static FieldDescription Field(string name, PgTypeOid oid, PgFormatCode format, int typeModifier = -1)
        => new(name, 0, 0, (uint)oid, Size(oid), typeModifier, format);
}
