using System.Buffers;
using Ladle.Engine.Results;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;

namespace Ladle.Server.Postgres;

/// <summary>
/// A query's rows as DataRow messages, each value in the format its column was asked for (Bind's result format
/// codes: none = all text, one = all, or one per column), written with the codec's <see cref="DataRowWriter"/>.
/// In the simple protocol the RowDescription goes out first; in the extended one Describe sent it.
/// </summary>
internal sealed class PgWireDataRows(IReadOnlyList<PgFormatCode> resultFormats, bool describe) : IPgRowFormat, IDisposable
{
    private readonly DataRowWriter _row = new();
    private Dictionary<string, uint?>? _relationOids;

    /// <summary>The OID of a relation as regclass prints it, for regclass values asked for in binary (the session's catalog, for its principal).</summary>
    public Func<string, uint?>? RelationOids { get; init; }
    private PgWireColumn[] _columns = [];
    private PgFormatCode[] _formats = [];

    public string Name => "pg";

    /// <summary>The format of each column under the none/one/each rule; a list of another length is refused as PostgreSQL does.</summary>
    public static PgFormatCode[] FormatsOf(IReadOnlyList<PgFormatCode> requested, int columns)
    {
        if (requested.Count > 1 && requested.Count != columns)
            throw new PgWireException(PgSqlState.ProtocolViolation, $"bind message has {requested.Count} result formats but query has {columns} columns");
        var formats = new PgFormatCode[columns];
        for (var i = 0; i < columns; i++) formats[i] = requested.Count == 0 ? PgFormatCode.Text : requested.Count == 1 ? requested[0] : requested[i];
        return formats;
    }

    /// <summary>RowDescription of <paramref name="columns"/> with each value's format.</summary>
    public static void WriteDescription(IBufferWriter<byte> output, PgWireColumn[] columns, PgFormatCode[] formats)
    {
        var fields = new FieldDescription[columns.Length];
        for (var i = 0; i < fields.Length; i++) fields[i] = columns[i].Field(formats[i]);
        RowDescription.Write(output, fields);
    }

    public void Start(PgWireColumn[] columns, IBufferWriter<byte> output)
    {
        _columns = columns;
        _formats = FormatsOf(resultFormats, columns.Length);
        if (describe) WriteDescription(output, columns, _formats);
    }

    public void WriteRow(ColumnBatch batch, int row, IBufferWriter<byte> output)
    {
        _row.BeginRow(_columns.Length);
        for (var c = 0; c < _columns.Length; c++)
        {
            var vector = batch.Columns[c];
            if (vector.Nulls[row])
            {
                _row.WriteNull();
                continue;
            }

            _row.BeginValue();
            _columns[c].Write(_row, vector, row, _formats[c], RelationOids is null ? null : RelationOid);
            _row.EndValue();
        }

        _row.EndRow(output);
    }

    /// <summary>Each name looked up once per result: a catalog query lists the same few relations over and over.</summary>
    private uint? RelationOid(string printed)
    {
        _relationOids ??= new Dictionary<string, uint?>(StringComparer.Ordinal);
        if (!_relationOids.TryGetValue(printed, out var oid)) _relationOids[printed] = oid = RelationOids!(printed);
        return oid;
    }

    public void End(IBufferWriter<byte> output)
    {
    }

    public void Dispose() => _row.Dispose();
}
