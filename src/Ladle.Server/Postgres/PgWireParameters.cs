using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Frontend;
using Ladle.Protocol.Postgres.Types;

namespace Ladle.Server.Postgres;

/// <summary>
/// Bind's parameter values decoded with the codec into the .NET values a <see cref="Engine.Serving.SqlRequest"/>
/// carries (long, double, decimal, bool, string, DateOnly, DateTime, Guid, byte[], TimeSpan), by each parameter's
/// type (the one the client fixed in Parse, else the one the engine inferred, else text).
/// </summary>
internal static class PgWireParameters
{
    /// <summary>Type OIDs PostgreSQL clients send for text-like values (name, char, bpchar, unknown, jsonb, xml, …).</summary>
    private static readonly HashSet<uint> TextLike = [18, 19, 25, 114, 142, 705, 1042, 1043, 3802];

    public static object?[] Decode(BindMessage bind, IReadOnlyList<uint> types)
    {
        if (bind.Parameters.Count != types.Count)
            throw new PgWireException(PgSqlState.ProtocolViolation,
                $"bind message supplies {bind.Parameters.Count} parameters, but prepared statement \"{bind.StatementName}\" requires {types.Count}");
        var values = new object?[types.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = bind.Parameters[i];
            if (parameter.IsNull) continue;
            try
            {
                values[i] = Decode(types[i], bind.GetParameterFormat(i), parameter.Value.Span);
            }
            catch (PgProtocolException e)
            {
                // The codec's words never quote the value; the parameter's number says where.
                throw new PgWireException(e.SqlState, $"parameter ${i + 1}: {e.Message}");
            }
        }

        return values;
    }

    /// <summary>One value of type <paramref name="oid"/> in <paramref name="format"/>.</summary>
    public static object Decode(uint oid, PgFormatCode format, ReadOnlySpan<byte> value)
    {
        var binary = format == PgFormatCode.Binary;
        switch ((PgTypeOid)oid)
        {
            case PgTypeOid.Int2: return (long)(binary ? Int2Codec.ReadBinary(value) : Int2Codec.ReadText(value));
            case PgTypeOid.Int4: return (long)(binary ? Int4Codec.ReadBinary(value) : Int4Codec.ReadText(value));
            case PgTypeOid.Int8: return binary ? Int8Codec.ReadBinary(value) : Int8Codec.ReadText(value);
            case PgTypeOid.Float4: return (double)(binary ? Float4Codec.ReadBinary(value) : Float4Codec.ReadText(value));
            case PgTypeOid.Float8: return binary ? Float8Codec.ReadBinary(value) : Float8Codec.ReadText(value);
            case PgTypeOid.Numeric: return binary ? NumericCodec.ReadBinary(value) : NumericCodec.ReadText(value);
            case PgTypeOid.Bool: return binary ? BoolCodec.ReadBinary(value) : BoolCodec.ReadText(value);
            case PgTypeOid.Date: return binary ? DateCodec.ReadBinary(value) : DateCodec.ReadText(value);
            case PgTypeOid.Timestamp: return binary ? TimestampCodec.ReadBinary(value) : TimestampCodec.ReadText(value);
            case PgTypeOid.TimestampTz: return (binary ? TimestampTzCodec.ReadBinary(value) : TimestampTzCodec.ReadText(value)).UtcDateTime;
            case PgTypeOid.Uuid: return binary ? UuidCodec.ReadBinary(value) : UuidCodec.ReadText(value);
            case PgTypeOid.Bytea: return binary ? ByteaCodec.ReadBinary(value) : ByteaCodec.ReadText(value);
            case PgTypeOid.Json: return JsonCodec.Read(value);
            case PgTypeOid.Interval:
                var interval = binary ? IntervalCodec.ReadBinary(value) : IntervalCodec.ReadText(value);
                if (interval.Months != 0)
                    throw new PgWireException(PgSqlState.InvalidParameterValue,
                        "an interval parameter with months or years is not supported: a month has no fixed length; give it in days");
                return TimeSpan.FromDays(interval.Days) + TimeSpan.FromMicroseconds(interval.Microseconds);
        }

        if (oid == 0 || TextLike.Contains(oid))
        {
            return binary && oid == 0
                ? throw new PgWireException(PgSqlState.FeatureNotSupported,
                    "a binary parameter of unspecified type cannot be decoded: state its type in Parse or send it as text")
                : TextCodec.Read(value);
        }

        if (!binary) return TextCodec.Read(value);
        throw new PgWireException(PgSqlState.FeatureNotSupported,
            $"parameters of type OID {oid} are not supported in binary format; send them as text or as one of the served types");
    }
}
