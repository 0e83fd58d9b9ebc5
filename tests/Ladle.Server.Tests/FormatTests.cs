using System.Globalization;
using System.Net;
using ClosedXML.Excel;
using CsvHelper;
using Parquet;

namespace Ladle.Server.Tests;

/// <summary>Every export format, read back by a real reader of that format.</summary>
public sealed class FormatTests(RetailServerFixture fixture) : IClassFixture<RetailServerFixture>
{
    private HttpClient Http => fixture.Http;

    private async Task<(HttpResponseMessage Response, byte[] Body)> GetAsync(string format)
    {
        var response = await Http.GetAsync($"/api/v1/datasets/orders/rows?format={format}&order=order_id", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Streamed: the length is not known up front.
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Equal("1", response.Headers.GetValues("Ladle-Dataset-Version").Single());
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Csv_export_reads_back_with_csvhelper_with_every_row_and_awkward_text_intact()
    {
        var (response, body) = await GetAsync("csv");
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("orders.csv", response.Content.Headers.ContentDisposition!.FileName, StringComparison.Ordinal);
        using var reader = CsvReader.Create(new MemoryStream(body), new CsvReaderOptions(), false);
        reader.ReadHeader();
        Assert.Equal(["order_id", "customer_id", "region", "status", "amount", "ordered_at", "note"], reader.Headers);
        var rows = new List<Dictionary<string, string>>();
        while (reader.Read()) rows.Add(reader.Headers.ToDictionary(h => h, h => reader.GetString(h)));
        Assert.Equal(RetailServerFixture.Orders, rows.Count);
        Assert.Equal("has, comma and \"quote\"", rows[6]["note"]);
        Assert.Equal("7", rows[6]["order_id"]);
        Assert.Equal("", rows[10]["note"]);
        Assert.Equal(7.07m, decimal.Parse(rows[6]["amount"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Parquet_export_reads_back_with_parquet_net_with_all_rows_and_types()
    {
        var (_, body) = await GetAsync("parquet");
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(body));
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["order_id", "customer_id", "region", "status", "amount", "ordered_at", "note"], fields.Select(f => f.Name));
        long total = 0;
        long idSum = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var ids = new long?[group.RowCount];
            await group.ReadAsync<long>(fields[0], ids.AsMemory(), null, CancellationToken.None);
            total += ids.Length;
            foreach (var id in ids) idSum += id!.Value;
        }
        Assert.Equal(RetailServerFixture.Orders, total);
        Assert.Equal((long)RetailServerFixture.Orders * (RetailServerFixture.Orders + 1) / 2, idSum);
    }

    [Fact]
    public async Task Xlsx_export_opens_in_closedxml_with_a_header_and_every_row()
    {
        var (_, body) = await GetAsync("xlsx");
        using var workbook = new XLWorkbook(new MemoryStream(body));
        var sheet = workbook.Worksheets.First();
        Assert.Equal("order_id", sheet.Cell(1, 1).GetString());
        Assert.Equal(RetailServerFixture.Orders + 1, sheet.LastRowUsed().RowNumber());
        Assert.Equal(7d, sheet.Cell(8, 1).GetDouble());
        Assert.Equal("has, comma and \"quote\"", sheet.Cell(8, 7).GetString());
    }

    [Fact]
    public async Task Ndjson_export_is_one_object_per_row()
    {
        var (response, body) = await GetAsync("ndjson");
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        var lines = System.Text.Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(RetailServerFixture.Orders, lines.Length);
        using var first = System.Text.Json.JsonDocument.Parse(lines[0]);
        Assert.Equal(1, first.RootElement.GetProperty("order_id").GetInt64());
    }
}

public sealed class XlsxLimitTests
{
    [Fact]
    public async Task An_xlsx_export_longer_than_a_sheet_is_refused_with_a_400_before_anything_is_sent()
    {
        await using var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml", "name: big\nsources:\n  files:\n    kind: files\n    path: data\n");
            LoopbackServer.File(root, "data/seed.csv", "n\n1\n");
            LoopbackServer.File(root, "datasets/seed.yaml", "name: seed\nsource: files\ntable: seed.csv\n");
            // One row more than Excel's sheet holds below its header.
            LoopbackServer.File(root, "datasets/big.yaml", "name: big\nsql: select s.n + r.range as n from seed as s, range(1048576) as r\ncolumns:\n  - { name: n, type: integer }\n");
            LoopbackServer.File(root, "models/big.yaml", "dataset: big\ndimensions:\n  - { name: n, type: number }\nmeasures:\n  - { name: rows, agg: count }\nmetrics:\n  - { name: big_rows, measure: rows }\n");
        });
        using var refused = await server.Http.GetAsync("/api/v1/datasets/big/rows?format=xlsx", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Contains("XLSX holds at most 1,048,575 rows", problem, StringComparison.Ordinal);
        Assert.Contains("format=csv", problem, StringComparison.Ordinal);

        // Exactly a sheet's worth starts streaming (the body is not read: a million rows of XML take a while).
        using (var full = await server.Http.GetAsync("/api/v1/datasets/big/rows?format=xlsx&filter=n:le:1048575", HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        // A filter that narrows the result is all it takes.
        using var narrowed = await server.Http.GetAsync("/api/v1/datasets/big/rows?format=xlsx&filter=n:le:1000");
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);
        using var workbook = new XLWorkbook(new MemoryStream(await narrowed.Content.ReadAsByteArrayAsync()));
        Assert.Equal(1001, workbook.Worksheet(1).LastRowUsed()!.RowNumber());

        // A metric answer with a row per n: the same refusal, before anything is sent; narrowed, it is served.
        using var metric = await server.Http.GetAsync("/api/v1/metrics/query?metrics=big_rows&dimensions=n&format=xlsx", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.BadRequest, metric.StatusCode);
        Assert.Contains("XLSX holds at most 1,048,575 rows", await metric.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var small = await server.Http.GetAsync("/api/v1/metrics/query?metrics=big_rows&dimensions=n&filter=n:le:10&format=xlsx");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        using var sheet = new XLWorkbook(new MemoryStream(await small.Content.ReadAsByteArrayAsync()));
        Assert.Equal(11, sheet.Worksheet(1).LastRowUsed()!.RowNumber());
    }
}
