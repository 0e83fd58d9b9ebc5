using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Ladle.Engine.Results;
using Ladle.Protocol.Postgres;
using Ladle.Protocol.Postgres.Backend;

namespace Ladle.Server.Postgres;

/// <summary>The data format of a COPY TO STDOUT.</summary>
internal enum PgCopyKind
{
    Text,
    Csv,
    Binary,
}

/// <summary>A COPY TO STDOUT's format and its options, as the statement gave them.</summary>
internal sealed record PgCopyOptions(PgCopyKind Kind, bool Header, char Delimiter, string Null, char Quote, char Escape)
{
    public static PgCopyOptions Default(PgCopyKind kind) => kind switch
    {
        PgCopyKind.Csv => new(kind, false, ',', "", '"', '"'),
        _ => new(kind, false, '\t', "\\N", '"', '"'),
    };
}

/// <summary>
/// A query's rows as COPY data: one CopyData per row in PostgreSQL's text format (tab-separated, \N for NULL,
/// backslash escapes), CSV (quoted where needed, optional header) or binary (the PGCOPY signature, then each row as
/// a field count and length-prefixed binary values, then the -1 trailer), framed by CopyOutResponse and CopyDone.
/// Values are the same text and binary spellings DataRows carry.
/// </summary>
internal sealed class PgCopyFormat(PgCopyOptions options) : IPgRowFormat
{
    private static readonly byte[] Signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly ArrayBufferWriter<byte> _value = new(256);
    private readonly byte[] _null = Encoding.UTF8.GetBytes(options.Null);
    private readonly SearchValues<byte> _textSpecials = SearchValues.Create([(byte)'\\', (byte)'\n', (byte)'\r', (byte)'\t', (byte)'\b', (byte)'\f', (byte)'\v', (byte)options.Delimiter]);
    private readonly SearchValues<byte> _csvSpecials = SearchValues.Create([(byte)options.Delimiter, (byte)options.Quote, (byte)'\n', (byte)'\r']);
    private PgWireColumn[] _columns = [];
    private bool _headerPending;

    /// <summary>The OID of a relation as regclass prints it: a regclass value's binary form.</summary>
    public Func<string, uint?>? RelationOids { get; init; }

    public string Name => options.Kind switch { PgCopyKind.Csv => "pg-copy-csv", PgCopyKind.Binary => "pg-copy-binary", _ => "pg-copy-text" };

    public void Start(PgWireColumn[] columns, IBufferWriter<byte> output)
    {
        _columns = columns;
        var binary = options.Kind == PgCopyKind.Binary;
        var formats = new PgFormatCode[columns.Length];
        Array.Fill(formats, binary ? PgFormatCode.Binary : PgFormatCode.Text);
        CopyOutResponse.Write(output, binary ? PgFormatCode.Binary : PgFormatCode.Text, formats);
        if (binary)
        {
            // As PostgreSQL sends it: the header in the same CopyData as the first row (or the trailer), which clients expect.
            _line.Clear();
            _line.Write(Signature);
            WriteInt32(_line, 0);
            WriteInt32(_line, 0);
            _headerPending = true;
        }
        else if (options.Header && options.Kind == PgCopyKind.Csv)
        {
            _line.Clear();
            for (var c = 0; c < columns.Length; c++)
            {
                if (c > 0) _line.Write([(byte)options.Delimiter]);
                WriteCsv(Encoding.UTF8.GetBytes(columns[c].Name));
            }

            _line.Write("\n"u8);
            CopyData.Write(output, _line.WrittenSpan);
        }
    }

    public void WriteRow(ColumnBatch batch, int row, IBufferWriter<byte> output)
    {
        if (!_headerPending) _line.Clear();
        _headerPending = false;
        if (options.Kind == PgCopyKind.Binary)
        {
            BinaryPrimitives.WriteInt16BigEndian(_line.GetSpan(2), (short)_columns.Length);
            _line.Advance(2);
        }

        for (var c = 0; c < _columns.Length; c++)
        {
            var vector = batch.Columns[c];
            if (options.Kind == PgCopyKind.Binary)
            {
                if (vector.Nulls[row])
                {
                    WriteInt32(_line, -1);
                    continue;
                }

                _value.Clear();
                _columns[c].Write(_value, vector, row, PgFormatCode.Binary, RelationOids);
                WriteInt32(_line, _value.WrittenCount);
                _line.Write(_value.WrittenSpan);
                continue;
            }

            if (c > 0) _line.Write([(byte)options.Delimiter]);
            if (vector.Nulls[row])
            {
                _line.Write(_null);
                continue;
            }

            _value.Clear();
            _columns[c].Write(_value, vector, row, PgFormatCode.Text);
            if (options.Kind == PgCopyKind.Csv) WriteCsv(_value.WrittenSpan);
            else WriteText(_value.WrittenSpan);
        }

        if (options.Kind != PgCopyKind.Binary) _line.Write("\n"u8);
        CopyData.Write(output, _line.WrittenSpan);
    }

    public void End(IBufferWriter<byte> output)
    {
        if (options.Kind == PgCopyKind.Binary)
        {
            if (!_headerPending) _line.Clear();
            _headerPending = false;
            BinaryPrimitives.WriteInt16BigEndian(_line.GetSpan(2), -1);
            _line.Advance(2);
            CopyData.Write(output, _line.WrittenSpan);
        }

        CopyDone.Write(output);
    }

    private static void WriteInt32(ArrayBufferWriter<byte> writer, int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    /// <summary>COPY's text format: backslash, the delimiter and control characters escaped (a value without any is copied whole).</summary>
    private void WriteText(ReadOnlySpan<byte> value)
    {
        while (true)
        {
            var at = value.IndexOfAny(_textSpecials);
            if (at < 0)
            {
                _line.Write(value);
                return;
            }

            _line.Write(value[..at]);
            var b = value[at];
            var escaped = b switch
            {
                (byte)'\n' => (byte)'n',
                (byte)'\r' => (byte)'r',
                (byte)'\t' => (byte)'t',
                (byte)'\b' => (byte)'b',
                (byte)'\f' => (byte)'f',
                (byte)'\v' => (byte)'v',
                _ => b, // the backslash and the delimiter stand for themselves after one
            };
            var span = _line.GetSpan(2);
            span[0] = (byte)'\\';
            span[1] = escaped;
            _line.Advance(2);
            value = value[(at + 1)..];
        }
    }

    /// <summary>CSV: quoted when it holds the delimiter, the quote, a line break, or would read as NULL (the empty string).</summary>
    private void WriteCsv(ReadOnlySpan<byte> value)
    {
        var quote = (byte)options.Quote;
        var needs = value.SequenceEqual(_null) || value.IndexOfAny(_csvSpecials) >= 0
            || (value.Length == 2 && value[0] == '\\' && value[1] == '.');
        if (!needs)
        {
            _line.Write(value);
            return;
        }

        _line.Write([quote]);
        foreach (var b in value)
        {
            if (b == quote || b == options.Escape) _line.Write([(byte)options.Escape]);
            _line.Write([b]);
        }

        _line.Write([quote]);
    }
}
