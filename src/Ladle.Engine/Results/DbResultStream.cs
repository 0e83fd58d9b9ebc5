using System.Data.Common;
using System.Globalization;
using Ladle.Core.Model;

namespace Ladle.Engine.Results;

/// <summary>
/// Reads a <see cref="DbDataReader"/> into reused column batches with one typed getter per column, chosen once
/// from the provider's field type, so values are copied without boxing on the hot path.
/// </summary>
public sealed class DbResultStream : ResultStream
{
    private readonly DbDataReader _reader;
    private readonly IAsyncDisposable[] _owned;
    private readonly Action<DbDataReader, int, ColumnVector, int>[] _getters;
    private readonly ColumnBatch _batch;
    private readonly bool _syncReads;
    private readonly Action? _onDispose;
    private bool _done;

    /// <param name="reader">An open reader positioned before the first row.</param>
    /// <param name="schema">The logical columns, one per reader field, in order.</param>
    /// <param name="owned">Command and connection to dispose with the stream.</param>
    /// <param name="syncReads">True for embedded engines whose async reads are synchronous anyway (DuckDB, SQLite).</param>
    /// <param name="dynamicTypes">True when a field's type can change from row to row (SQLite).</param>
    /// <param name="onDispose">Runs after everything is disposed (releases a version lease).</param>
    public DbResultStream(DbDataReader reader, ResultSchema schema, IAsyncDisposable[] owned, bool syncReads, bool dynamicTypes, Action? onDispose = null)
        : base(schema)
    {
        _reader = reader;
        _owned = owned;
        _syncReads = syncReads;
        _onDispose = onDispose;
        _batch = new ColumnBatch(schema);
        _getters = new Action<DbDataReader, int, ColumnVector, int>[schema.Columns.Count];
        for (var i = 0; i < _getters.Length; i++)
            _getters[i] = dynamicTypes ? Dynamic
                // DuckDB's intervals with months have no TimeSpan: they are read as the engine's own interval.
                : reader is DuckDB.NET.Data.DuckDBDataReader && reader.GetFieldType(i) == typeof(TimeSpan) && schema.Columns[i].Type == LadleType.String
                    ? static (r, i, v, row) => ValueGetters.SetConverted(v, row, r.GetFieldValue<DuckDB.NET.Native.DuckDBInterval>(i))
                : ValueGetters.For(reader.GetFieldType(i), schema.Columns[i].Type);
    }

    public override async ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_done) return null;
        var columns = _batch.Columns;
        var count = 0;
        while (count < _batch.Capacity)
        {
            var more = _syncReads ? _reader.Read() : await _reader.ReadAsync(cancellationToken);
            if (!more) { _done = true; break; }
            for (var c = 0; c < columns.Length; c++)
            {
                var vector = columns[c];
                if (_reader.IsDBNull(c)) { vector.Nulls[count] = true; continue; }
                vector.Nulls[count] = false;
                _getters[c](_reader, c, vector, count);
            }
            count++;
            if (_syncReads && (count & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
        }
        _batch.Count = count;
        RowsRead += count;
        return count == 0 ? null : _batch;
    }

    private static void Dynamic(DbDataReader reader, int ordinal, ColumnVector vector, int row) =>
        ValueGetters.SetConverted(vector, row, reader.GetValue(ordinal));

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await _reader.DisposeAsync();
            foreach (var owned in _owned) await owned.DisposeAsync();
        }
        finally
        {
            _onDispose?.Invoke();
            await base.DisposeAsync();
        }
    }
}

/// <summary>Typed getters from provider field types into column vectors, and the slow converting path.</summary>
internal static class ValueGetters
{
    public static Action<DbDataReader, int, ColumnVector, int> For(Type field, LadleType target) => target switch
    {
        LadleType.Integer when field == typeof(long) => static (r, i, v, row) => v.Int64s[row] = r.GetInt64(i),
        LadleType.Integer when field == typeof(int) => static (r, i, v, row) => v.Int64s[row] = r.GetInt32(i),
        LadleType.Integer when field == typeof(short) => static (r, i, v, row) => v.Int64s[row] = r.GetInt16(i),
        LadleType.Double when field == typeof(double) => static (r, i, v, row) => v.Doubles[row] = r.GetDouble(i),
        LadleType.Double when field == typeof(float) => static (r, i, v, row) => v.Doubles[row] = r.GetFloat(i),
        LadleType.Decimal when field == typeof(decimal) => static (r, i, v, row) => v.Decimals[row] = r.GetDecimal(i),
        LadleType.Boolean when field == typeof(bool) => static (r, i, v, row) => v.Booleans[row] = r.GetBoolean(i),
        LadleType.String when field == typeof(string) => static (r, i, v, row) => v.Strings[row] = r.GetString(i),
        LadleType.Date when field == typeof(DateOnly) => static (r, i, v, row) => v.Dates[row] = r.GetFieldValue<DateOnly>(i),
        LadleType.Timestamp when field == typeof(DateTime) => static (r, i, v, row) => v.Timestamps[row] = r.GetDateTime(i),
        _ => static (r, i, v, row) => SetConverted(v, row, r.GetValue(i)),
    };

    /// <summary>Converts any provider value to the vector's type; unconvertible text becomes an error naming the value.</summary>
    public static void SetConverted(ColumnVector v, int row, object value)
    {
        if (value is DBNull) { v.Nulls[row] = true; return; }
        v.Nulls[row] = false;
        var inv = CultureInfo.InvariantCulture;
        switch (v.Type)
        {
            case LadleType.String:
                v.Strings[row] = EngineText.TryFormat(value) ?? value switch
                {
                    string s => s,
                    DateTime dt => dt.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", inv).TrimEnd('.'),
                    byte[] bytes => Convert.ToBase64String(bytes),
                    // DuckDB hands a BLOB over as a stream: its bytes, in the one spelling bytes have in a string column.
                    Stream stream => Convert.ToBase64String(ReadAll(stream)),
                    IFormattable f => f.ToString(null, inv),
                    _ => value.ToString(),
                };
                break;
            case LadleType.Integer: v.Int64s[row] = value is System.Numerics.BigInteger big ? (long)big : Convert.ToInt64(value, inv); break;
            case LadleType.Double: v.Doubles[row] = value is System.Numerics.BigInteger bigD ? (double)bigD : Convert.ToDouble(value, inv); break;
            case LadleType.Decimal: v.Decimals[row] = value is System.Numerics.BigInteger bigM ? (decimal)bigM : Convert.ToDecimal(value, inv); break;
            case LadleType.Boolean:
                v.Booleans[row] = value switch
                {
                    bool b => b,
                    string s => s is "1" or "t" or "true" or "TRUE" or "True" or "yes",
                    _ => Convert.ToInt64(value, inv) != 0,
                };
                break;
            case LadleType.Date:
                v.Dates[row] = value switch
                {
                    DateOnly d => d,
                    DateTime dt => DateOnly.FromDateTime(dt),
                    DateTimeOffset o => DateOnly.FromDateTime(o.UtcDateTime),
                    string s => DateOnly.FromDateTime(DateTime.Parse(s, inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)),
                    _ => DateOnly.FromDateTime(Convert.ToDateTime(value, inv)),
                };
                break;
            case LadleType.Timestamp:
                v.Timestamps[row] = value switch
                {
                    DateTime dt => dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt,
                    DateTimeOffset o => o.UtcDateTime,
                    DateOnly d => d.ToDateTime(TimeOnly.MinValue),
                    string s => DateTime.Parse(s, inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                    _ => Convert.ToDateTime(value, inv),
                };
                break;
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The Ladle type a provider's .NET field type serves as.</summary>
    public static LadleType TypeOf(Type field) => field switch
    {
        _ when field == typeof(long) || field == typeof(int) || field == typeof(short) || field == typeof(sbyte)
            || field == typeof(byte) || field == typeof(ushort) || field == typeof(uint) || field == typeof(ulong)
            || field == typeof(System.Numerics.BigInteger) => LadleType.Integer,
        _ when field == typeof(double) || field == typeof(float) => LadleType.Double,
        _ when field == typeof(decimal) => LadleType.Decimal,
        _ when field == typeof(bool) => LadleType.Boolean,
        _ when field == typeof(DateOnly) => LadleType.Date,
        _ when field == typeof(DateTime) || field == typeof(DateTimeOffset) => LadleType.Timestamp,
        _ => LadleType.String,
    };
}
