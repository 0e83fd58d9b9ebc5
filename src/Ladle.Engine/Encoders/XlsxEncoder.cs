using System.IO.Compression;
using System.Xml;
using Ladle.Core.Errors;
using Ladle.Engine.Encoders.Internal;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoders;

/// <summary>
/// An Excel workbook with one sheet named after the result, streamed: the package is zipped on the fly
/// and the sheet written row by row, so no workbook is ever held in memory. Excel's sheet holds
/// <see cref="MaxRows"/> rows below the header; serving counts the result against it before the response
/// starts, because a larger result fails here only when the export reaches the limit.
/// </summary>
public sealed class XlsxEncoder : IResultEncoder
{
    /// <summary>Data rows a sheet holds: Excel's 1,048,576 rows less the header.</summary>
    public const long MaxRows = 1_048_575;

    /// <summary>Columns a sheet holds (A to XFD).</summary>
    public const int MaxColumns = 16_384;

    private static readonly XmlWriterSettings XmlSettings = new()
    {
        Encoding = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        CloseOutput = false,
        // A reader turns a raw CR LF into LF; entitized, a CR in a value survives.
        NewLineHandling = NewLineHandling.Entitize,
    };

    private readonly long _maxRows;

    public XlsxEncoder() : this(MaxRows) { }

    /// <summary>For tests: a low limit shows the refusal without a million rows.</summary>
    internal XlsxEncoder(long maxRows) => _maxRows = maxRows;

    public string Format => "xlsx";
    public string ContentType => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public string FileExtension => "xlsx";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        var schema = result.Schema;
        if (schema.Columns.Count > MaxColumns)
            throw new InvalidRequestException(
                $"the result has {schema.Columns.Count:N0} columns but an XLSX sheet holds at most {MaxColumns:N0}; choose fewer columns or use format=csv or format=parquet",
                "format");

        using var buffer = new OutputBuffer(output);
        // Everything the archive writes lands in memory; only awaited flushes reach the body.
        using (var zip = new ZipArchive(new BufferedOutputStream(buffer), ZipArchiveMode.Create, leaveOpen: true))
        {
            XlsxParts.WriteFixedParts(zip, XlsxText.SheetName(context.Name), XmlSettings);
            using var sheetStream = zip.CreateEntry(XlsxParts.SheetPath, CompressionLevel.Fastest).Open();
            using var xml = XmlWriter.Create(sheetStream, XmlSettings);
            var sheet = new XlsxSheetWriter(xml, schema.Columns.Count);
            sheet.WriteStart(schema);
            long rows = 0;
            while (await result.ReadAsync(cancellationToken).ConfigureAwait(false) is { } batch)
            {
                if (rows + batch.Count > _maxRows) throw TooManyRows(_maxRows);
                var row = 0;
                while (row < batch.Count)
                {
                    row = sheet.WriteRows(batch, row, buffer);
                    await buffer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false);
                }
                rows += batch.Count;
            }
            sheet.WriteEnd();
        }
        await buffer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The refusal of a result longer than a sheet holds (serving checks the count before it starts).</summary>
    public static InvalidRequestException TooManyRows(long maxRows) => new(
        $"the result has more than {maxRows:N0} rows but XLSX holds at most {maxRows:N0} rows below the header; " +
        "use format=csv or format=parquet, or narrow the result with a filter or a limit",
        "format");
}
