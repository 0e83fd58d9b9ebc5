using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoding;

/// <summary>
/// An Excel workbook (SpreadsheetML) with one sheet, written row by row into a zip that streams out as it grows:
/// the workbook never sits in memory. Strings are inline, numbers are numbers, dates and timestamps are Excel
/// serial numbers with a date format. Excel holds 1,048,576 rows: a header and <see cref="MaxRows"/> data rows.
/// </summary>
public sealed class XlsxEncoder : IResultEncoder
{
    /// <summary>The most data rows a sheet holds (Excel's 1,048,576 less the header).</summary>
    public const long MaxRows = 1_048_575;

    private const int DateStyle = 1;
    private const int TimestampStyle = 2;
    private const int HeaderStyle = 3;

    public string Format => "xlsx";
    public string ContentType => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public string FileExtension => "xlsx";

    public async Task WriteAsync(ResultStream result, Stream output, EncodeContext context, CancellationToken cancellationToken)
    {
        using var pending = new PendingBytesStream();
        using (var zip = new ZipArchive(pending, ZipArchiveMode.Create, leaveOpen: true))
        {
            WriteEntry(zip, "[Content_Types].xml", ContentTypes);
            WriteEntry(zip, "_rels/.rels", RootRelationships);
            WriteEntry(zip, "xl/workbook.xml", Workbook(SheetName(context.Name)));
            WriteEntry(zip, "xl/_rels/workbook.xml.rels", WorkbookRelationships);
            WriteEntry(zip, "xl/styles.xml", Styles);
            await pending.DrainAsync(output, cancellationToken);

            var entry = zip.CreateEntry("xl/worksheets/sheet1.xml", CompressionLevel.Fastest);
            using var sheetStream = entry.Open();
            using var xml = XmlWriter.Create(sheetStream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), CheckCharacters = false });
            xml.WriteStartDocument();
            xml.WriteStartElement("worksheet", "http://schemas.openxmlformats.org/spreadsheetml/2006/main");
            xml.WriteStartElement("sheetData");

            xml.WriteStartElement("row");
            foreach (var column in result.Schema.Columns) WriteInlineString(xml, column.Name, HeaderStyle);
            xml.WriteEndElement();

            long rows = 0;
            while (await result.ReadAsync(cancellationToken) is { } batch)
            {
                if (rows + batch.Count > MaxRows)
                    throw new InvalidRequestException($"the result has more than {MaxRows:N0} rows, the most an Excel sheet holds; export as csv or parquet, or add a limit or filters", "format");
                for (var r = 0; r < batch.Count; r++)
                {
                    xml.WriteStartElement("row");
                    foreach (var vector in batch.Columns) WriteCell(xml, vector, r);
                    xml.WriteEndElement();
                }
                rows += batch.Count;
                xml.Flush();
                if (pending.PendingLength >= OutputBuffer.FlushThreshold) await pending.DrainAsync(output, cancellationToken);
            }
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
        await pending.DrainAsync(output, cancellationToken);
    }

    private static void WriteCell(XmlWriter xml, ColumnVector v, int r)
    {
        if (v.Nulls[r])
        {
            xml.WriteElementString("c", "");
            return;
        }
        switch (v.Type)
        {
            case LadleType.Integer: WriteNumber(xml, v.Int64s[r].ToString(CultureInfo.InvariantCulture)); break;
            case LadleType.Double:
                if (double.IsFinite(v.Doubles[r])) WriteNumber(xml, v.Doubles[r].ToString("R", CultureInfo.InvariantCulture));
                else WriteInlineString(xml, v.Doubles[r].ToString(CultureInfo.InvariantCulture), 0);
                break;
            case LadleType.Decimal: WriteNumber(xml, v.Decimals[r].ToString(CultureInfo.InvariantCulture)); break;
            case LadleType.Boolean:
                xml.WriteStartElement("c");
                xml.WriteAttributeString("t", "b");
                xml.WriteElementString("v", v.Booleans[r] ? "1" : "0");
                xml.WriteEndElement();
                break;
            case LadleType.Date: WriteNumber(xml, v.Dates[r].ToDateTime(TimeOnly.MinValue).ToOADate().ToString("R", CultureInfo.InvariantCulture), DateStyle); break;
            case LadleType.Timestamp: WriteNumber(xml, v.Timestamps[r].ToOADate().ToString("R", CultureInfo.InvariantCulture), TimestampStyle); break;
            default: WriteInlineString(xml, v.Strings[r]!, 0); break;
        }
    }

    private static void WriteNumber(XmlWriter xml, string value, int style = 0)
    {
        xml.WriteStartElement("c");
        if (style != 0) xml.WriteAttributeString("s", style.ToString(CultureInfo.InvariantCulture));
        xml.WriteElementString("v", value);
        xml.WriteEndElement();
    }

    private static void WriteInlineString(XmlWriter xml, string value, int style)
    {
        xml.WriteStartElement("c");
        xml.WriteAttributeString("t", "inlineStr");
        if (style != 0) xml.WriteAttributeString("s", style.ToString(CultureInfo.InvariantCulture));
        xml.WriteStartElement("is");
        xml.WriteStartElement("t");
        if (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])))
            xml.WriteAttributeString("xml", "space", null, "preserve");
        xml.WriteString(XmlSafe(value));
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    // XML 1.0 cannot carry most control characters; Excel shows them as nothing anyway.
    private static string XmlSafe(string value)
    {
        foreach (var c in value)
            if (c < 0x20 && c is not ('\t' or '\n' or '\r')) return new string(value.Where(ch => ch >= 0x20 || ch is '\t' or '\n' or '\r').ToArray());
        return value;
    }

    private static string SheetName(string name)
    {
        var cleaned = new string(name.Where(c => !"[]:*?/\\".Contains(c)).ToArray());
        if (cleaned.Length == 0) cleaned = "data";
        return cleaned.Length > 31 ? cleaned[..31] : cleaned;
    }

    private static void WriteEntry(ZipArchive zip, string name, string content)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        using var stream = entry.Open();
        var bytes = new UTF8Encoding(false).GetBytes(content);
        stream.Write(bytes);
    }

    private const string ContentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
        <Default Extension="xml" ContentType="application/xml"/>
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
        </Types>
        """;

    private const string RootRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
        </Relationships>
        """;

    private const string WorkbookRelationships = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
        </Relationships>
        """;

    private const string Styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
        <numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
        <cellXfs count="4">
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
        <xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
        </cellXfs>
        </styleSheet>
        """;

    private static string Workbook(string sheet) => $"""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
        <sheets><sheet name="{System.Security.SecurityElement.Escape(sheet)}" sheetId="1" r:id="rId1"/></sheets>
        </workbook>
        """;
}
