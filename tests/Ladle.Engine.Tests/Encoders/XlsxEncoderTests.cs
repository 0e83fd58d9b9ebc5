using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ClosedXML.Excel;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;

namespace Ladle.Engine.Tests.Encoders;

public sealed class XlsxEncoderTests
{
    [Fact]
    public async Task Xlsx_round_trips_every_type_through_ClosedXML()
    {
        var bytes = await Sample.EncodeAsync(new XlsxEncoder(), Sample.Result(), new EncodeContext { Name = "orders" });

        using var workbook = new XLWorkbook(new MemoryStream(bytes));
        var sheet = Assert.Single(workbook.Worksheets);
        Assert.Equal("orders", sheet.Name);
        for (var c = 0; c < Sample.Schema.Columns.Count; c++)
        {
            var header = sheet.Cell(1, c + 1);
            Assert.Equal(Sample.Schema.Columns[c].Name, header.GetString());
            Assert.True(header.Style.Font.Bold);
        }
        for (var k = 0; k < Sample.Rows; k++)
            for (var c = 0; c < Sample.Schema.Columns.Count; c++)
                AssertCell(Sample.Value(k, c), sheet.Cell(k + 2, c + 1), $"row {k}, column {c}");
        Assert.Equal(Sample.Rows + 1, sheet.LastRowUsed().RowNumber());
    }

    [Fact]
    public async Task Xlsx_sheet_keeps_every_character_of_text()
    {
        var bytes = await Sample.EncodeAsync(new XlsxEncoder(), Sample.Result(rows: 20));

        var texts = InlineTexts(bytes, column: "A");
        for (var k = 0; k < 20; k++)
        {
            texts.TryGetValue(k + 2, out var text);
            Assert.Equal((string?)Sample.Value(k, Sample.Text), text);
        }
    }

    [Theory]
    [InlineData("orders", "orders")]
    [InlineData("a/b\\c[d]e:f*g?h", "a_b_c_d_e_f_g_h")]
    [InlineData("'quoted'", "quoted")]
    [InlineData("", "Sheet1")]
    [InlineData("history", "history_")]
    [InlineData("a_name_that_is_much_longer_than_thirty_one_characters", "a_name_that_is_much_longer_than")]
    public async Task Xlsx_names_the_sheet_after_the_result_as_Excel_allows(string name, string expected)
    {
        var bytes = await Sample.EncodeAsync(new XlsxEncoder(), Sample.Result(rows: 1), new EncodeContext { Name = name });

        using var workbook = new XLWorkbook(new MemoryStream(bytes));
        Assert.Equal(expected, workbook.Worksheet(1).Name);
    }

    [Fact]
    public async Task Xlsx_refuses_a_result_longer_than_the_sheet_holds()
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(
            () => Sample.EncodeAsync(new XlsxEncoder(maxRows: 5000), Sample.Result()));

        Assert.Equal("format", error.Parameter);
        Assert.Contains("XLSX holds at most 5,000 rows", error.Message, StringComparison.Ordinal);
        Assert.Contains("format=csv", error.Message, StringComparison.Ordinal);
        Assert.Contains("format=parquet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Xlsx_holds_exactly_MaxRows_rows_and_refuses_one_more()
    {
        await new XlsxEncoder().WriteAsync(new GeneratedResult(XlsxEncoder.MaxRows), new AsyncOnlyStream(), new EncodeContext(), CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(
            () => new XlsxEncoder().WriteAsync(new GeneratedResult(XlsxEncoder.MaxRows + 1), new AsyncOnlyStream(), new EncodeContext(), CancellationToken.None));
        Assert.Contains("XLSX holds at most 1,048,575 rows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Xlsx_cuts_text_longer_than_a_cell_holds()
    {
        var schema = new ResultSchema([new ResultColumn("s", LadleType.String)]);
        var rows = new List<object?[]> { new object?[] { new string('x', 40_000) } };

        var bytes = await Sample.EncodeAsync(new XlsxEncoder(), new BatchListStream(schema, rows));

        using var workbook = new XLWorkbook(new MemoryStream(bytes));
        Assert.Equal(32_767, workbook.Worksheet(1).Cell(2, 1).GetString().Length);
    }

    /// <summary>
    /// The inline text of one column by row number, read from the sheet with a plain XML reader and decoded as
    /// ECMA-376 says (ST_Xstring: <c>_xHHHH_</c> stands for that UTF-16 code unit), as Excel reads it.
    /// </summary>
    private static Dictionary<int, string> InlineTexts(byte[] xlsx, string column)
    {
        using var zip = new ZipArchive(new MemoryStream(xlsx), ZipArchiveMode.Read);
        using var sheet = zip.GetEntry("xl/worksheets/sheet1.xml")!.Open();
        var document = XDocument.Load(sheet);
        XNamespace main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        var texts = new Dictionary<int, string>();
        foreach (var cell in document.Descendants(main + "c"))
        {
            var reference = (string)cell.Attribute("r")!;
            if (!reference.StartsWith(column, StringComparison.Ordinal) || !char.IsAsciiDigit(reference[column.Length])) continue;
            var raw = string.Concat(cell.Descendants(main + "t").Select(t => t.Value));
            texts[int.Parse(reference[column.Length..], CultureInfo.InvariantCulture)] = Regex.Replace(
                raw, "_x([0-9A-Fa-f]{4})_", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());
        }
        return texts;
    }

    private static bool NeedsSpreadsheetEscape(string text) =>
        text.Contains("_x", StringComparison.Ordinal) || text.Any(c => c < ' ' && c is not ('\t' or '\r' or '\n'));

    /// <summary>
    /// Spreadsheets keep 15 significant digits, and ClosedXML reads numbers so: near the ends of the double
    /// range that rounding overflows to infinity or underflows to zero.
    /// </summary>
    private static void AssertFifteenDigits(double expected, double actual)
    {
        if (Math.Abs(expected) > 1e307)
            Assert.Equal(Math.Sign(expected), Math.Sign(actual));
        else
            Assert.InRange(Math.Abs(actual - expected), 0, Math.Max(Math.Abs(expected) * 1e-14, 1e-300));
    }

    private static void AssertCell(object? expected, IXLCell cell, string where)
    {
        switch (expected)
        {
            case null:
                Assert.True(cell.IsEmpty(), where);
                break;
            case string s when NeedsSpreadsheetEscape(s):
                // ClosedXML 0.95 leaves Excel's _xHHHH_ escapes in inline text as they are; the sheet is
                // checked against the standard in Xlsx_sheet_keeps_every_character_of_text.
                Assert.Equal(XLDataType.Text, cell.DataType);
                break;
            case string s:
                // ClosedXML 0.95 turns CR LF into LF when it loads text; the sheet itself keeps the CR
                // (see Xlsx_sheet_keeps_every_character_of_text).
                Assert.Equal(s.Replace("\r\n", "\n", StringComparison.Ordinal), cell.GetString());
                break;
            case long l:
                AssertFifteenDigits(l, cell.GetDouble());
                break;
            case double d when !double.IsFinite(d):
                Assert.Equal(d.ToString(CultureInfo.InvariantCulture), cell.GetString());
                break;
            case double d:
                AssertFifteenDigits(d, cell.GetDouble());
                break;
            case decimal m:
                AssertFifteenDigits((double)m, cell.GetDouble());
                break;
            case bool b:
                Assert.Equal(b, cell.GetBoolean());
                break;
            case DateOnly day when day < new DateOnly(1900, 3, 1):
                Assert.Equal(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), cell.GetString());
                break;
            case DateOnly day:
                Assert.Equal(XLDataType.DateTime, cell.DataType);
                Assert.Equal(day.ToDateTime(TimeOnly.MinValue), cell.GetDateTime());
                break;
            case DateTime moment when moment < new DateTime(1900, 3, 1):
                Assert.Equal(moment.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture), cell.GetString());
                break;
            case DateTime moment:
                Assert.Equal(XLDataType.DateTime, cell.DataType);
                // Excel serials read back through DateTime.FromOADate, which rounds to the millisecond.
                Assert.InRange((cell.GetDateTime() - moment).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
                break;
            default:
                throw new InvalidOperationException(expected.GetType().Name);
        }
    }
}
