using Ladle.Engine.Encoders.Internal;
using Ladle.Engine.Results;
using Parquet;
using Parquet.Schema;

namespace Ladle.Engine.Encoders;

/// <summary>
/// Apache Parquet through Parquet.Net, Snappy-compressed, every column nullable. Batches are gathered into
/// row groups of <see cref="RowGroupRows"/> rows; a full row group is encoded and sent on another thread
/// while the next one is gathered, so reading the result and encoding it overlap, and memory stays at two
/// row groups whatever the result's size. Types: string, int64, double, decimal(38,9), boolean, date, and
/// timestamp in microseconds adjusted to UTC (DuckDB reads it as TIMESTAMP WITH TIME ZONE).
/// </summary>
public sealed class ParquetEncoder : IResultEncoder, INativeFormat
{
    /// <summary>Digits of every decimal column: the widest DuckDB and most readers take.</summary>
    public const int DecimalPrecision = 38;

    /// <summary>
    /// Fraction digits of every decimal column. Results carry no scale of their own, so one is fixed: 9 keeps
    /// every .NET decimal's integer part (29 digits) within 38 digits; longer fractions are rounded half away from zero.
    /// </summary>
    public const int DecimalScale = 9;

    /// <summary>Rows per row group: 25 batches of 4,096, near DuckDB's own 122,880.</summary>
    public const int RowGroupRows = 25 * ColumnBatch.DefaultCapacity;

    private readonly int _rowGroupRows;

    public ParquetEncoder() : this(RowGroupRows) { }

    /// <summary>For tests: smaller row groups show the splitting without a large result.</summary>
    internal ParquetEncoder(int rowGroupRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupRows, 1);
        _rowGroupRows = rowGroupRows;
    }

    public string Format => "parquet";
    public string ContentType => "application/vnd.apache.parquet";
    public string FileExtension => "parquet";

    /// <summary>DuckDB's own writer keeps the columns' exact decimal and timestamp types.</summary>
    public string DuckDbCopyOptions => "FORMAT parquet, COMPRESSION snappy";

    /// <summary>
    /// TIMESTAMPTZ, which DuckDB writes as TIMESTAMP(isAdjustedToUTC=true, MICROS), as the managed writer does.
    /// <c>make_timestamptz(micros)</c> is the same instant as <c>timezone('UTC', …)</c> but plain arithmetic: the
    /// ICU conversion cost three times DuckDB's whole COPY of the column.
    /// </summary>
    public string DuckDbTimestamp(string column) => $"make_timestamptz(epoch_us({column}))";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        var count = result.Schema.Columns.Count;
        var gathering = new ParquetColumn[count];
        var spare = new ParquetColumn[count];
        try
        {
            for (var c = 0; c < count; c++)
            {
                gathering[c] = ParquetColumn.Create(result.Schema.Columns[c], _rowGroupRows);
                spare[c] = gathering[c].CreateTwin();
            }
            using var buffer = new OutputBuffer(output);
            await WriteFileAsync(result, new BufferedOutputStream(buffer), gathering, spare, cancellationToken).ConfigureAwait(false);
            await buffer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var column in gathering) column?.Dispose();
            foreach (var column in spare) column?.Dispose();
        }
    }

    private async Task WriteFileAsync(ResultStream result, Stream stream, ParquetColumn[] gathering, ParquetColumn[] spare, CancellationToken cancellationToken)
    {
        var schema = new ParquetSchema(gathering.Select(c => (Field)c.Field).ToArray());
        var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions(), append: false, cancellationToken).ConfigureAwait(false);
        Task? writing = null;
        try
        {
            var gathered = 0;
            while (await result.ReadAsync(cancellationToken).ConfigureAwait(false) is { } batch)
            {
                var offset = 0;
                while (offset < batch.Count)
                {
                    var take = Math.Min(batch.Count - offset, _rowGroupRows - gathered);
                    for (var c = 0; c < gathering.Length; c++) gathering[c].Append(batch.Columns[c], offset, take);
                    offset += take;
                    gathered += take;
                    if (gathered < _rowGroupRows) continue;

                    // One row group is written at a time; the previous one must be out before this one starts.
                    if (writing is not null) await writing.ConfigureAwait(false);
                    var full = gathering;
                    writing = Task.Run(() => WriteRowGroupAsync(writer, full, stream, cancellationToken), cancellationToken);
                    (gathering, spare) = (spare, gathering);
                    gathered = 0;
                }
            }
            if (writing is not null) await writing.ConfigureAwait(false);
            writing = null;
            if (gathered > 0) await WriteRowGroupAsync(writer, gathering, stream, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // After a failure a row group may still be on its way; it must finish before the caller, who may
            // answer with an error, gets the body back. Its own failure would only hide the first one.
            if (writing is not null) await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Disposing the writer writes the footer. It is done only here, on success: after a failure the
        // body must not end as a well-formed file that silently lacks rows.
        ParquetTimestampStatistics.Drop(writer, gathering.Where(c => c.Field is DateTimeDataField).Select(c => c.Field.Name).ToHashSet(StringComparer.Ordinal));
        await writer.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task WriteRowGroupAsync(ParquetWriter writer, ParquetColumn[] columns, Stream stream, CancellationToken cancellationToken)
    {
        using (var group = writer.CreateRowGroup())
        {
            foreach (var column in columns) await column.WriteAsync(group, cancellationToken).ConfigureAwait(false);
            group.CompleteValidate();
        }
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
