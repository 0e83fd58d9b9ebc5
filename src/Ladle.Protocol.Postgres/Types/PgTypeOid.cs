namespace Ladle.Protocol.Postgres.Types;

/// <summary>The OIDs (pg_type.oid) of the types Ladle serves, as PostgreSQL assigns them.</summary>
public enum PgTypeOid : uint
{
    Bool = 16,
    Bytea = 17,
    Char = 18,
    Name = 19,
    Int8 = 20,
    Int2 = 21,
    Int4 = 23,
    Text = 25,
    Oid = 26,
    Json = 114,
    Float4 = 700,
    Float8 = 701,
    Varchar = 1043,
    Date = 1082,
    Timestamp = 1114,
    TimestampTz = 1184,
    Interval = 1186,
    Numeric = 1700,
    RegClass = 2205,
    Uuid = 2950,
}
