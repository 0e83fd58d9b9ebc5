using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ladle.Engine.Access;
using Ladle.Engine.Store;
using Parquet;

namespace Ladle.Server.Tests;

/// <summary>
/// Masked columns of a published version are computed once, when it is written, and kept beside it: a principal
/// without PII clearance reads the same values (checked against values computed here, independently of DuckDB) in
/// every format, never hashes of a key the server does not use, and the precomputed values go with their version.
/// </summary>
public sealed class PrecomputedMaskTests
{
    private const int People = 40;

    private static string Email(int i) => i switch
    {
        3 => "no-at-sign",
        4 => "@leading.example",
        _ when i % 7 == 0 => "",
        _ => $"person{i}@mail{i % 3}.example",
    };

    private static string Phone(int i) => i % 5 == 0 ? "" : $"+351 91{i:0000000}";

    private static async Task<LoopbackServer> StartAsync() => await LoopbackServer.StartAsync(root =>
    {
        LoopbackServer.File(root, "ladle.yaml", "name: masks\nsources:\n  files:\n    kind: files\n    path: data\n");
        LoopbackServer.File(root, "data/people.csv", PeopleCsv());
        LoopbackServer.File(root, "datasets/people.yaml", """
            name: people
            domain: crm
            source: files
            table: people.csv
            primary_key: [person_id]
            retention: { versions: 1 }
            columns:
              - { name: person_id, type: integer }
              - { name: email, type: string, pii: true, mask: partial }
              - { name: phone, type: string, pii: true, mask: hash }
              - { name: name, type: string, pii: true }
              - { name: city, type: string }
            """);
        LoopbackServer.File(root, "access.yaml", """
            roles:
              analyst:
                grants:
                  - { actions: [read, export], domains: [crm] }
              admin:
                admin: true
            principals:
              alice: { roles: [analyst] }
              root: { roles: [admin] }
            """);
    }, dev: false);

    // Empty fields are NULLs in DuckDB's CSV reader: the masks keep them NULL.
    private static string PeopleCsv()
    {
        var csv = new StringBuilder("person_id,email,phone,name,city\n");
        for (var i = 1; i <= People; i++) csv.Append(CultureInfo.InvariantCulture, $"{i},{Email(i)},{Phone(i)},Name {i},City {i % 4}\n");
        return csv.ToString();
    }

    /// <summary>What a principal without clearance must read, computed without DuckDB: SHA-256 of key and value, lower-case hex; first character, ***, and the domain.</summary>
    private static (string? Email, string? Phone) Expected(int i, string key)
    {
        var email = Email(i);
        var phone = Phone(i);
        var at = email.IndexOf('@', StringComparison.Ordinal);
        return (
            email.Length == 0 ? null : at > 0 ? email[..1] + "***" + email[at..] : email[..1] + "***",
            phone.Length == 0 ? null : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key + phone))).ToLowerInvariant());
    }

    private static string KeyOf(LoopbackServer server) =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(server.Engine.Project.StatePath)!, "mask.key")).Trim();

    private static async Task<string> TokenAsync(LoopbackServer server, string principal) =>
        (await new TokenService(server.Engine.Project, server.Engine.State).CreateAsync(principal, null, "test", CancellationToken.None)).Token;

    [Fact]
    public async Task A_masked_principal_reads_the_values_computed_at_publication_in_json_csv_and_parquet()
    {
        await using var server = await StartAsync();
        var key = KeyOf(server);
        var version = server.Engine.Catalog.Current("people")!.Version;
        Assert.Contains(MaskedVersions.TableName("people", version, MaskedVersions.KeyId(key)), server.Engine.Store.Masks.List());
        var alice = await TokenAsync(server, "alice");

        var byFormat = new Dictionary<string, List<Row>>
        {
            ["json"] = await JsonRowsAsync(server, alice, "limit=1000"),
            ["json page"] = await JsonRowsAsync(server, alice, "limit=10&order=city:desc"),
            ["csv"] = CsvRows(await GetBytesAsync(server, alice, "format=csv")),
            ["parquet"] = await ParquetRowsAsync(await GetBytesAsync(server, alice, "format=parquet")),
        };
        foreach (var (format, rows) in byFormat)
        {
            Assert.Equal(format == "json page" ? 10 : People, rows.Count);
            foreach (var row in rows)
            {
                var (email, phone) = Expected((int)row.Id, key);
                Assert.True(email == row.Email, $"{format}: email of {row.Id} read {row.Email}, expected {email}");
                Assert.True(phone == row.Phone, $"{format}: phone of {row.Id} read {row.Phone}, expected {phone}");
                Assert.Null(row.Name);
            }
        }

        // The same bytes as masks computed inside the read: drop the precomputed values and ask again.
        var csv = await GetBytesAsync(server, alice, "format=csv");
        var parquet = await GetBytesAsync(server, alice, "format=parquet");
        using (var connection = server.Engine.Store.Open()) server.Engine.Store.Masks.Drop(connection, "people", version);
        Assert.Empty(server.Engine.Store.Masks.List());
        Assert.Equal(csv, await GetBytesAsync(server, alice, "format=csv"));
        Assert.Equal(parquet, await GetBytesAsync(server, alice, "format=parquet"));
    }

    [Fact]
    public async Task After_the_hash_key_changes_reads_hash_with_the_servers_key_never_the_one_a_version_was_built_with()
    {
        await using var server = await StartAsync();
        var servingKey = KeyOf(server);
        var alice = await TokenAsync(server, "alice");
        // The server holds its key from its first masked read on.
        Assert.All(await JsonRowsAsync(server, alice, "limit=1000"), row => Assert.Equal(Expected((int)row.Id, servingKey), (row.Email, row.Phone)));
        // A version built with another key (the file rotated while the server kept its key until restart).
        var otherKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(server.Engine.Project.StatePath)!, "mask.key"), otherKey);
        var result = await server.Engine.Publisher.MaterializeOneAsync(server.Engine.GetDataset("people"), "test", null, CancellationToken.None);
        Assert.True(result.Published, result.Error);
        Assert.Contains(MaskedVersions.TableName("people", result.Version!.Value, MaskedVersions.KeyId(otherKey)), server.Engine.Store.Masks.List());

        var rows = await JsonRowsAsync(server, alice, "limit=1000");
        Assert.Equal(People, rows.Count);
        Assert.All(rows, row => Assert.Equal(Expected((int)row.Id, servingKey), (row.Email, row.Phone)));
    }

    [Fact]
    public async Task Retiring_a_version_drops_its_precomputed_masks_with_it()
    {
        await using var server = await StartAsync();
        var first = server.Engine.Catalog.Current("people")!.Version;
        var result = await server.Engine.Publisher.MaterializeOneAsync(server.Engine.GetDataset("people"), "test", null, CancellationToken.None);
        Assert.True(result.Published, result.Error);
        var twins = () => server.Engine.Store.Masks.List().Select(MaskedVersions.VersionTableOf).ToList();
        // retain_versions: 1 — the first version and its masked values go once nobody reads it any more.
        for (var i = 0; i < 100 && twins().Contains(DuckDbStore.VersionTableName("people", first)); i++) await Task.Delay(50);
        Assert.Equal([DuckDbStore.VersionTableName("people", result.Version!.Value)], twins());
        Assert.DoesNotContain(DuckDbStore.VersionTableName("people", first), server.Engine.Store.ListVersionTables());
    }

    private sealed record Row(long Id, string? Email, string? Phone, string? Name);

    private static async Task<byte[]> GetBytesAsync(LoopbackServer server, string token, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/datasets/people/rows?" + query);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<List<Row>> JsonRowsAsync(LoopbackServer server, string token, string query)
    {
        var body = JsonDocument.Parse(await GetBytesAsync(server, token, query)).RootElement;
        static string? Text(JsonElement row, string name) => row.GetProperty(name).ValueKind == JsonValueKind.Null ? null : row.GetProperty(name).GetString();
        return body.GetProperty("rows").EnumerateArray()
            .Select(r => new Row(r.GetProperty("person_id").GetInt64(), Text(r, "email"), Text(r, "phone"), Text(r, "name"))).ToList();
    }

    private static List<Row> CsvRows(byte[] body)
    {
        // No value here holds a comma or a quote; an empty field is a NULL.
        var lines = Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("person_id,email,phone,name,city", lines[0].TrimEnd('\r'));
        return lines.Skip(1).Select(l => l.TrimEnd('\r').Split(',')).Select(f =>
            new Row(long.Parse(f[0], CultureInfo.InvariantCulture), f[1].Length == 0 ? null : f[1], f[2].Length == 0 ? null : f[2], f[3].Length == 0 ? null : f[3])).ToList();
    }

    private static async Task<List<Row>> ParquetRowsAsync(byte[] body)
    {
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(body));
        var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        var rows = new List<Row>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var ids = new long?[group.RowCount];
            await group.ReadAsync<long>(fields["person_id"], ids.AsMemory(), null, CancellationToken.None);
            async Task<string?[]> Strings(string name)
            {
                var values = new string?[group.RowCount];
                await group.ReadAsync(fields[name], values.AsMemory(), null, CancellationToken.None);
                return values;
            }
            var (emails, phones, names) = (await Strings("email"), await Strings("phone"), await Strings("name"));
            for (var i = 0; i < ids.Length; i++) rows.Add(new Row(ids[i]!.Value, emails[i], phones[i], names[i]));
        }
        return rows;
    }
}
