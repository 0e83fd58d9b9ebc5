namespace Ladle.Protocol.Postgres.Backend;

/// <summary>One column of a RowDescription.</summary>
/// <param name="Name">The column name.</param>
/// <param name="TableOid">The source table's OID, or 0 when the column is not a plain table column.</param>
/// <param name="ColumnAttributeNumber">The column's attribute number in that table, or 0.</param>
/// <param name="TypeOid">The data type's OID (see <see cref="Types.PgTypeOid"/>).</param>
/// <param name="TypeSize">pg_type.typlen: fixed size in bytes, or -1 for variable length.</param>
/// <param name="TypeModifier">pg_attribute.atttypmod, -1 when none.</param>
/// <param name="Format">The format the values will be sent in.</param>
public readonly record struct FieldDescription(
    string Name,
    uint TableOid,
    short ColumnAttributeNumber,
    uint TypeOid,
    short TypeSize,
    int TypeModifier,
    PgFormatCode Format);
