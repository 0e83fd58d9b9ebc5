using System.Buffers;
using System.Globalization;
using Ladle.Core.Model;
using Ladle.Engine.Results;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;
using Ladle.Protocol.Postgres.Types;

namespace Ladle.Server.Postgres;

/// <summary>
/// One result column as the wire states it: its PostgreSQL type (from the engine's own type where the result says
/// it, else from the Ladle type) and how a value of its column vector is written in text or binary with the codec.
/// </summary>
internal sealed class PgWireColumn
{
    private PgWireColumn(string name, PgTypeOid oid, int typeModifier, LadleType vector)
    {
        Name = name;
        Oid = oid;
        TypeModifier = typeModifier;
        Vector = vector;
    }

    public string Name { get; }

    public PgTypeOid Oid { get; }

    /// <summary>pg_attribute.atttypmod: numeric's precision and scale, else -1.</summary>
    public int TypeModifier { get; }

    /// <summary>The Ladle type of the column vector the values come from.</summary>
    public LadleType Vector { get; }

    /// <summary>The wire column of <paramref name="column"/>.</summary>
    public static PgWireColumn Of(ResultColumn column)
    {
        var (oid, modifier) = TypeOf(column);
        return new PgWireColumn(column.Name, oid, modifier, column.Type);
    }

    /// <summary>Its RowDescription field, with values sent in <paramref name="format"/>.</summary>
    public FieldDescription Field(PgFormatCode format) => PgTypes.Field(Name, Oid, format, TypeModifier);

    /// <summary>
    /// The PostgreSQL type of a result column: the engine's type (DuckDB's INTEGER → int4, DECIMAL(10,2) → numeric
    /// with its typmod, UUID, INTERVAL, BLOB → bytea, JSON, …) when it names one the column's values can be written
    /// as; else the Ladle type's (string → text, integer → int8, double → float8, decimal → numeric, …).
    /// </summary>
    public static (PgTypeOid Oid, int TypeModifier) TypeOf(ResultColumn column)
    {
        // An oid must arrive as the engine's unsigned 4-byte integer, so every value fits (coalesce(oid, -1) does not).
        // A NULL literal's column: only NULLs, which any type writes, so it is text as PostgreSQL answers an unknown.
        if (column.CatalogType == "unknown") return (PgTypeOid.Text, -1);
        if (FromCatalog(column.CatalogType) is { } stated && Writable(stated, column.Type) && (stated != PgTypeOid.Oid || column.EngineType == "UINTEGER"))
            return (stated, -1);
        if (column.EngineType is { Length: > 0 } engine && FromEngine(engine, column.Type) is { } exact) return exact;
        return (FromLadle(column.Type), -1);
    }

    /// <summary>The PostgreSQL type the SQL catalog stated for a column the engine has no such type for (name, "char", oid, varchar, json).</summary>
    private static PgTypeOid? FromCatalog(string? catalogType) => catalogType switch
    {
        "name" => PgTypeOid.Name,
        "char" => PgTypeOid.Char,
        "oid" => PgTypeOid.Oid,
        "regclass" => PgTypeOid.RegClass,
        "varchar" => PgTypeOid.Varchar,
        "json" => PgTypeOid.Json,
        _ => null,
    };

    /// <summary>The PostgreSQL type of a Ladle type.</summary>
    public static PgTypeOid FromLadle(LadleType type) => type switch
    {
        LadleType.Integer => PgTypeOid.Int8,
        LadleType.Double => PgTypeOid.Float8,
        LadleType.Decimal => PgTypeOid.Numeric,
        LadleType.Boolean => PgTypeOid.Bool,
        LadleType.Date => PgTypeOid.Date,
        LadleType.Timestamp => PgTypeOid.Timestamp,
        _ => PgTypeOid.Text,
    };

    /// <summary>The PostgreSQL type of an engine type name (DuckDB's spelling), or null when it names none served.</summary>
    public static PgTypeOid? FromEngineName(string engineType) => FromEngine(engineType, null)?.Oid;

    private static (PgTypeOid Oid, int TypeModifier)? FromEngine(string engineType, LadleType? vector)
    {
        var text = engineType.Trim().ToUpperInvariant();
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var name = open < 0 ? text : text[..open].Trim();
        PgTypeOid? oid = name switch
        {
            "SMALLINT" or "INT2" or "SHORT" or "TINYINT" or "INT1" or "UTINYINT" => PgTypeOid.Int2,
            "INTEGER" or "INT" or "INT4" or "SIGNED" or "USMALLINT" => PgTypeOid.Int4,
            "BIGINT" or "INT8" or "LONG" or "UINTEGER" => PgTypeOid.Int8,
            "HUGEINT" or "UHUGEINT" or "UBIGINT" or "DECIMAL" or "NUMERIC" => PgTypeOid.Numeric,
            "FLOAT" or "REAL" or "FLOAT4" => PgTypeOid.Float4,
            "DOUBLE" or "FLOAT8" or "DOUBLE PRECISION" => PgTypeOid.Float8,
            "VARCHAR" or "TEXT" or "STRING" or "CHAR" or "BPCHAR" => PgTypeOid.Text,
            "BOOLEAN" or "BOOL" or "LOGICAL" => PgTypeOid.Bool,
            "DATE" => PgTypeOid.Date,
            "TIMESTAMP" or "DATETIME" or "TIMESTAMP_US" or "TIMESTAMP_MS" or "TIMESTAMP_NS" or "TIMESTAMP_S" => PgTypeOid.Timestamp,
            "TIMESTAMP WITH TIME ZONE" or "TIMESTAMPTZ" => PgTypeOid.TimestampTz,
            "UUID" => PgTypeOid.Uuid,
            "INTERVAL" => PgTypeOid.Interval,
            "BLOB" or "BYTEA" or "BINARY" or "VARBINARY" => PgTypeOid.Bytea,
            "JSON" => PgTypeOid.Json,
            _ => null,
        };
        if (oid is not { } found) return null;
        // The values must be writable as that type from the vector they arrive in (an engine type beside a vector of another kind is not trusted).
        if (vector is { } v && !Writable(found, v)) return null;
        var modifier = found == PgTypeOid.Numeric && name is "DECIMAL" or "NUMERIC" ? NumericModifier(text, open) : -1;
        return (found, modifier);
    }

    private static bool Writable(PgTypeOid oid, LadleType vector) => oid switch
    {
        PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Oid => vector == LadleType.Integer,
        PgTypeOid.Numeric => vector is LadleType.Decimal or LadleType.Integer,
        PgTypeOid.Float4 or PgTypeOid.Float8 => vector == LadleType.Double,
        PgTypeOid.Bool => vector == LadleType.Boolean,
        PgTypeOid.Date => vector == LadleType.Date,
        PgTypeOid.Timestamp or PgTypeOid.TimestampTz => vector == LadleType.Timestamp,
        _ => vector == LadleType.String,
    };

    /// <summary>numeric's typmod: ((precision &lt;&lt; 16) | scale) + 4, as PostgreSQL stores it.</summary>
    private static int NumericModifier(string text, int open)
    {
        if (open < 0) return -1;
        var parts = text[(open + 1)..].TrimEnd(')').Split(',', StringSplitOptions.TrimEntries);
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var precision)) return -1;
        var scale = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
        return ((precision << 16) | scale) + 4;
    }

    /// <summary>
    /// Writes the value at <paramref name="row"/> (not null) in <paramref name="format"/>. A regclass arrives as the
    /// relation's name, its text form; <paramref name="relationOids"/> gives the OID its binary form is.
    /// </summary>
    public void Write(IBufferWriter<byte> writer, ColumnVector vector, int row, PgFormatCode format, Func<string, uint?>? relationOids = null)
    {
        var binary = format == PgFormatCode.Binary;
        switch (Oid)
        {
            case PgTypeOid.Int2:
                var i2 = checked((short)vector.Int64s[row]);
                if (binary) Int2Codec.WriteBinary(writer, i2); else Int2Codec.WriteText(writer, i2);
                break;
            case PgTypeOid.Int4:
                var i4 = checked((int)vector.Int64s[row]);
                if (binary) Int4Codec.WriteBinary(writer, i4); else Int4Codec.WriteText(writer, i4);
                break;
            case PgTypeOid.Int8:
                if (binary) Int8Codec.WriteBinary(writer, vector.Int64s[row]); else Int8Codec.WriteText(writer, vector.Int64s[row]);
                break;
            case PgTypeOid.Oid:
                // An oid is an unsigned 4-byte integer: its binary form is its 32 bits, its text the unsigned number.
                var oid = checked((uint)vector.Int64s[row]);
                if (binary) Int4Codec.WriteBinary(writer, unchecked((int)oid)); else Int8Codec.WriteText(writer, oid);
                break;
            case PgTypeOid.Numeric:
                var number = Vector == LadleType.Integer ? vector.Int64s[row] : vector.Decimals[row];
                if (binary) NumericCodec.WriteBinary(writer, number); else NumericCodec.WriteText(writer, number);
                break;
            case PgTypeOid.Float4:
                var f4 = (float)vector.Doubles[row];
                if (binary) Float4Codec.WriteBinary(writer, f4); else Float4Codec.WriteText(writer, f4);
                break;
            case PgTypeOid.Float8:
                if (binary) Float8Codec.WriteBinary(writer, vector.Doubles[row]); else Float8Codec.WriteText(writer, vector.Doubles[row]);
                break;
            case PgTypeOid.Bool:
                if (binary) BoolCodec.WriteBinary(writer, vector.Booleans[row]); else BoolCodec.WriteText(writer, vector.Booleans[row]);
                break;
            case PgTypeOid.Date:
                if (binary) DateCodec.WriteBinary(writer, vector.Dates[row]); else DateCodec.WriteText(writer, vector.Dates[row]);
                break;
            case PgTypeOid.Timestamp:
                if (binary) TimestampCodec.WriteBinary(writer, vector.Timestamps[row]); else TimestampCodec.WriteText(writer, vector.Timestamps[row]);
                break;
            case PgTypeOid.TimestampTz:
                var instant = new DateTimeOffset(DateTime.SpecifyKind(vector.Timestamps[row], DateTimeKind.Utc));
                if (binary) TimestampTzCodec.WriteBinary(writer, instant); else TimestampTzCodec.WriteText(writer, instant);
                break;
            case PgTypeOid.Uuid:
                var uuid = Guid.Parse(vector.Strings[row]!, CultureInfo.InvariantCulture);
                if (binary) UuidCodec.WriteBinary(writer, uuid); else UuidCodec.WriteText(writer, uuid);
                break;
            case PgTypeOid.Bytea:
                // The engine's bytes reach a string vector as base64 (the one spelling every encoder shares).
                var bytes = Convert.FromBase64String(vector.Strings[row]!);
                if (binary) ByteaCodec.WriteBinary(writer, bytes); else ByteaCodec.WriteText(writer, bytes);
                break;
            case PgTypeOid.Interval:
                // The engine's intervals reach a string vector in PostgreSQL's own spelling (1 year 2 mons 3 days 04:05:06).
                var interval = IntervalCodec.ReadText(System.Text.Encoding.UTF8.GetBytes(vector.Strings[row]!));
                if (binary) IntervalCodec.WriteBinary(writer, interval); else IntervalCodec.WriteText(writer, interval);
                break;
            case PgTypeOid.Json:
                JsonCodec.Write(writer, vector.Strings[row]!);
                break;
            case PgTypeOid.RegClass when binary:
                // A name the catalog does not know (none is printed so) is InvalidOid, as to_regclass answers for one.
                var printed = vector.Strings[row]!;
                var relation = relationOids?.Invoke(printed)
                    ?? (uint.TryParse(printed, NumberStyles.None, CultureInfo.InvariantCulture, out var printedOid) ? printedOid : 0u);
                Int4Codec.WriteBinary(writer, unchecked((int)relation));
                break;
            default:
                TextCodec.Write(writer, vector.Strings[row]!);
                break;
        }
    }
}
