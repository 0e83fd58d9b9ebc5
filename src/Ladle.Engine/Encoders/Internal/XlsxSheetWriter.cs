using System.Globalization;
using System.Xml;
using Ladle.Core.Model;
using Ladle.Engine.Results;

namespace Ladle.Engine.Encoders.Internal;

/// <summary>
/// Streams <c>sheet1.xml</c> one row at a time: a bold header row, then numbers as numbers, booleans as
/// booleans, dates and timestamps as date-styled serial numbers, text as inline strings (no shared-string
/// table, which would need the whole result before the first row). NULL is an absent cell.
/// </summary>
/// <remarks>
/// What Excel cannot hold is written as text so that nothing is lost: dates before 1900-03-01 (Excel's
/// serials before then are off by its 1900 leap-year bug, and negative ones do not exist), and NaN and the
/// infinities. Integers and decimals are written exactly, but Excel keeps 15 significant digits; timestamps
/// keep milliseconds. Text longer than a cell holds (32,767 characters) is cut, as Excel would refuse the file.
/// </remarks>
internal sealed class XlsxSheetWriter
{
    private const string MainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

    private static readonly DateOnly FirstSerialDate = new(1900, 3, 1);
    private static readonly int SerialEpoch = new DateOnly(1899, 12, 30).DayNumber;
    private static readonly NumberFormatInfo Invariant = NumberFormatInfo.InvariantInfo;

    private readonly XmlWriter _xml;
    private readonly char[][] _columnLetters;
    private readonly char[] _rowDigits = new char[16];
    private readonly char[] _number = new char[64];
    private int _rowDigitCount;
    private int _rowNumber;

    public XlsxSheetWriter(XmlWriter xml, int columnCount)
    {
        _xml = xml;
        _columnLetters = new char[columnCount][];
        for (var c = 0; c < columnCount; c++) _columnLetters[c] = ColumnLetters(c);
    }

    /// <summary>Opens the sheet and writes the header row.</summary>
    public void WriteStart(ResultSchema schema)
    {
        _xml.WriteStartDocument(standalone: true);
        _xml.WriteStartElement("worksheet", MainNamespace);

        // Frozen header row, so column names stay in view while scrolling.
        _xml.WriteStartElement("sheetViews");
        _xml.WriteStartElement("sheetView");
        _xml.WriteAttributeString("workbookViewId", "0");
        _xml.WriteStartElement("pane");
        _xml.WriteAttributeString("ySplit", "1");
        _xml.WriteAttributeString("topLeftCell", "A2");
        _xml.WriteAttributeString("activePane", "bottomLeft");
        _xml.WriteAttributeString("state", "frozen");
        _xml.WriteEndElement();
        _xml.WriteEndElement();
        _xml.WriteEndElement();

        _xml.WriteStartElement("sheetData");
        StartRow();
        for (var c = 0; c < schema.Columns.Count; c++) WriteText(c, schema.Columns[c].Name, XlsxParts.HeaderStyle);
        _xml.WriteEndElement();
    }

    /// <summary>Writes rows from <paramref name="start"/> until the batch ends or <paramref name="buffer"/> wants draining; returns the next row.</summary>
    public int WriteRows(ColumnBatch batch, int start, OutputBuffer buffer)
    {
        var row = start;
        while (row < batch.Count && !buffer.IsFull) WriteRow(batch.Columns, row++);
        return row;
    }

    public void WriteEnd()
    {
        _xml.WriteEndElement();
        _xml.WriteEndElement();
        _xml.WriteEndDocument();
    }

    private void WriteRow(ColumnVector[] columns, int row)
    {
        StartRow();
        for (var c = 0; c < columns.Length; c++)
        {
            var column = columns[c];
            if (column.Nulls[row]) continue;
            switch (column.Type)
            {
                case LadleType.String:
                    if (column.Strings[row] is { } text) WriteText(c, text, style: null);
                    break;
                case LadleType.Integer:
                    WriteNumber(c, column.Int64s[row], style: null);
                    break;
                case LadleType.Double:
                    var number = column.Doubles[row];
                    if (double.IsFinite(number)) WriteDouble(c, number, style: null);
                    else WriteText(c, number.ToString(Invariant), style: null);
                    break;
                case LadleType.Decimal:
                    WriteNumber(c, column.Decimals[row], style: null);
                    break;
                case LadleType.Boolean:
                    StartCell(c, "b", style: null);
                    _xml.WriteElementString("v", column.Booleans[row] ? "1" : "0");
                    _xml.WriteEndElement();
                    break;
                case LadleType.Date:
                    var date = column.Dates[row];
                    if (date >= FirstSerialDate) WriteNumber(c, date.DayNumber - SerialEpoch, XlsxParts.DateStyle);
                    else WriteText(c, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), style: null);
                    break;
                case LadleType.Timestamp:
                    WriteTimestamp(c, column.Timestamps[row]);
                    break;
                default:
                    throw new InvalidOperationException($"type {column.Type} has no XLSX form");
            }
        }
        _xml.WriteEndElement();
    }

    private void WriteTimestamp(int column, DateTime value)
    {
        if (value < FirstSerialDate.ToDateTime(TimeOnly.MinValue))
        {
            WriteText(column, value.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture), style: null);
            return;
        }
        // Whole days and the fraction apart: ticks since 1899 exceed a double's exact range. Milliseconds
        // are all a spreadsheet keeps (15 digits); cutting there also keeps 9999-12-31 23:59:59.9999 from
        // rounding up into a year Excel does not have.
        var ticks = value.Ticks - value.Ticks % TimeSpan.TicksPerMillisecond;
        var days = (int)(ticks / TimeSpan.TicksPerDay) - SerialEpoch;
        var fraction = ticks % TimeSpan.TicksPerDay / (double)TimeSpan.TicksPerDay;
        WriteDouble(column, days + fraction, XlsxParts.TimestampStyle);
    }

    private void StartRow()
    {
        _rowNumber++;
        _rowNumber.TryFormat(_rowDigits, out _rowDigitCount, default, Invariant);
        _xml.WriteStartElement("row");
        _xml.WriteStartAttribute("r");
        _xml.WriteChars(_rowDigits, 0, _rowDigitCount);
        _xml.WriteEndAttribute();
    }

    private void StartCell(int column, string? type, string? style)
    {
        _xml.WriteStartElement("c");
        _xml.WriteStartAttribute("r");
        var letters = _columnLetters[column];
        _xml.WriteChars(letters, 0, letters.Length);
        _xml.WriteChars(_rowDigits, 0, _rowDigitCount);
        _xml.WriteEndAttribute();
        if (style is not null) _xml.WriteAttributeString("s", style);
        if (type is not null) _xml.WriteAttributeString("t", type);
    }

    private void WriteNumber<T>(int column, T value, string? style) where T : struct, ISpanFormattable
    {
        StartCell(column, type: null, style);
        _xml.WriteStartElement("v");
        value.TryFormat(_number, out var length, default, Invariant);
        _xml.WriteChars(_number, 0, length);
        _xml.WriteEndElement();
        _xml.WriteEndElement();
    }

    private void WriteDouble(int column, double value, string? style)
    {
        StartCell(column, type: null, style);
        _xml.WriteStartElement("v");
        _xml.WriteChars(_number, 0, DoubleText.Format(value, _number));
        _xml.WriteEndElement();
        _xml.WriteEndElement();
    }

    private void WriteText(int column, string text, string? style)
    {
        StartCell(column, "inlineStr", style);
        _xml.WriteStartElement("is");
        _xml.WriteStartElement("t");
        // Without this Excel trims leading and trailing spaces.
        if (text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])))
            _xml.WriteAttributeString("xml", "space", null, "preserve");
        _xml.WriteString(XlsxText.Cell(text));
        _xml.WriteEndElement();
        _xml.WriteEndElement();
        _xml.WriteEndElement();
    }

    /// <summary>A, B, …, Z, AA, AB, …: the letters of a zero-based column index.</summary>
    private static char[] ColumnLetters(int index)
    {
        var letters = new Stack<char>();
        for (var n = index + 1; n > 0; n = (n - 1) / 26) letters.Push((char)('A' + (n - 1) % 26));
        return [.. letters];
    }
}
