using System.Diagnostics.CodeAnalysis;

namespace Ladle.Protocol.Postgres.Types;

/// <summary>
/// The errors a value decode raises: not fatal (the frame was fine, the value was not), and without the value itself,
/// since the caller adds which parameter it was and errors never echo data.
/// </summary>
internal static class CodecErrors
{
    [DoesNotReturn]
    public static T Text<T>(string type) =>
        PgProtocolException.ThrowValue<T>(PgSqlState.InvalidTextRepresentation, $"invalid input syntax for type {type}");

    [DoesNotReturn]
    public static T Binary<T>(string type, string why) =>
        PgProtocolException.ThrowValue<T>(PgSqlState.InvalidBinaryRepresentation, $"incorrect binary data format for type {type}: {why}");

    [DoesNotReturn]
    public static T OutOfRange<T>(string type) =>
        PgProtocolException.ThrowValue<T>(PgSqlState.NumericValueOutOfRange, $"value out of range for type {type}");

    [DoesNotReturn]
    public static T DateOutOfRange<T>(string type) =>
        PgProtocolException.ThrowValue<T>(PgSqlState.DatetimeFieldOverflow, $"{type} out of range: Ladle takes years 1 to 9999 and no infinite values");

    [DoesNotReturn]
    public static T DateFormat<T>(string type) =>
        PgProtocolException.ThrowValue<T>(PgSqlState.InvalidDatetimeFormat, $"invalid input syntax for type {type}");

    public static void Length(ReadOnlySpan<byte> value, int expected, string type)
    {
        if (value.Length != expected)
        {
            Binary<int>(type, $"expected {expected} bytes, got {value.Length}");
        }
    }
}
