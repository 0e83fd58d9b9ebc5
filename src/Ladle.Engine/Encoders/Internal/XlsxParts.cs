using System.IO.Compression;
using System.Xml;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// The fixed parts of a one-sheet SpreadsheetML package: content types, relationships, styles and the
/// workbook. The sheet itself is streamed by <see cref="XlsxSheetWriter"/>.
/// </summary>
internal static class XlsxParts
{
    public const string SheetPath = "xl/worksheets/sheet1.xml";

    /// <summary>Indexes into <c>cellXfs</c> of <see cref="Styles"/>.</summary>
    public const string HeaderStyle = "1";
    public const string DateStyle = "2";
    public const string TimestampStyle = "3";

    private static ReadOnlySpan<byte> ContentTypes => """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
        """u8;

    private static ReadOnlySpan<byte> PackageRelationships => """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
        """u8;

    private static ReadOnlySpan<byte> WorkbookRelationships => """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
        """u8;

    // cellXfs: 0 plain, 1 bold header, 2 date (built-in format 14, the reader's short date), 3 date and time.
    private static ReadOnlySpan<byte> Styles => """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
        """u8;

    /// <summary>Every part but the sheet, written synchronously into the archive's in-memory buffer.</summary>
    public static void WriteFixedParts(ZipArchive zip, string sheetName, XmlWriterSettings settings)
    {
        WritePart(zip, "[Content_Types].xml", ContentTypes);
        WritePart(zip, "_rels/.rels", PackageRelationships);
        WritePart(zip, "xl/_rels/workbook.xml.rels", WorkbookRelationships);
        WritePart(zip, "xl/styles.xml", Styles);

        using var stream = zip.CreateEntry("xl/workbook.xml", CompressionLevel.Fastest).Open();
        using var xml = XmlWriter.Create(stream, settings);
        const string main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const string relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        xml.WriteStartDocument(standalone: true);
        xml.WriteStartElement("workbook", main);
        xml.WriteAttributeString("xmlns", "r", null, relationships);
        xml.WriteStartElement("sheets", main);
        xml.WriteStartElement("sheet", main);
        xml.WriteAttributeString("name", sheetName);
        xml.WriteAttributeString("sheetId", "1");
        xml.WriteAttributeString("id", relationships, "rId1");
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WritePart(ZipArchive zip, string name, ReadOnlySpan<byte> content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(content);
    }
}
