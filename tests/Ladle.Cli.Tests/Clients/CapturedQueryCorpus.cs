using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// tests/clients/corpus: the catalog, metadata and session statements each real client sent to PostgreSQL 15
/// (captured by tests/clients/capture-corpus.sh), each with the columns PostgreSQL answered. Replayed through Npgsql,
/// an endpoint must answer every one with the same column names and type OIDs (the rows may differ: another
/// server's catalog holds other objects and OIDs).
/// </summary>
public static class CapturedQueryCorpus
{
    public const string Marker = "-- ladle:query ";

    /// <summary>One captured statement: its text as the client sent it, its parameters, and the expected shape of each result.</summary>
    public sealed record Query(string Client, int Number, string Text, IReadOnlyList<string?> Parameters, IReadOnlyList<IReadOnlyList<(string Name, uint Oid)>> Results);

    public static IReadOnlyList<string> Clients => [ClientHarness.Psql, ClientHarness.Npgsql, ClientHarness.Python, ClientHarness.Java, ClientHarness.Node];

    public static IReadOnlyList<Query> Load(string client)
    {
        var lines = File.ReadAllLines(Path.Combine(ClientHarness.ClientsFolder, "corpus", client + ".sql"));
        var queries = new List<Query>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith(Marker, StringComparison.Ordinal)) continue;
            using var header = JsonDocument.Parse(lines[i][Marker.Length..]);
            var text = string.Join('\n', lines.Skip(i + 1).TakeWhile(l => !l.StartsWith(Marker, StringComparison.Ordinal)));
            queries.Add(new Query(client, queries.Count + 1, text.TrimEnd(),
                header.RootElement.GetProperty("parameters").EnumerateArray().Select(p => p.GetString()).ToList(),
                header.RootElement.GetProperty("results").EnumerateArray()
                    .Select(r => (IReadOnlyList<(string, uint)>)r.EnumerateArray().Select(c => (c[0].GetString()!, c[1].GetUInt32())).ToList()).ToList()));
        }
        return queries;
    }

    /// <summary>
    /// Replays every client's corpus on <paramref name="connectionString"/>, one connection per client (its session
    /// statements then apply to its later queries, as they did when captured), and fails listing every statement
    /// whose answer had another shape or that failed.
    /// </summary>
    public static async Task AssertSameShapesAsync(string connectionString, Func<uint, uint, bool>? alike = null)
    {
        var failures = new List<string>();
        foreach (var client in Clients)
        {
            var queries = Load(client);
            Assert.NotEmpty(queries);
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            foreach (var query in queries)
            {
                try
                {
                    var actual = await ShapesAsync(connection, query);
                    var expected = Describe(query.Results);
                    if (alike is not null)
                        actual = actual.Select((r, i) => (IReadOnlyList<(string, uint)>)r.Select((c, j) =>
                            i < query.Results.Count && j < query.Results[i].Count && alike(query.Results[i][j].Oid, c.Item2) ? (c.Item1, query.Results[i][j].Oid) : c).ToList()).ToList();
                    if (Describe(actual) != expected)
                        failures.Add($"{client} #{query.Number}: expected {expected}\n  answered {Describe(actual)}\n  {Abbreviate(query.Text)}");
                }
                catch (Exception e) when (e is PostgresException or NpgsqlException)
                {
                    failures.Add($"{client} #{query.Number}: failed: {e.Message}\n  {Abbreviate(query.Text)}");
                    if (connection.FullState != System.Data.ConnectionState.Open)
                    {
                        await connection.CloseAsync();
                        await connection.OpenAsync();
                    }
                    else if (e is PostgresException)
                    {
                        // A failed statement inside a client's BEGIN leaves the transaction aborted for the rest.
                        await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                        await rollback.ExecuteNonQueryAsync();
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} captured statements answered otherwise than PostgreSQL 15:\n" + string.Join('\n', failures));
    }

    private static async Task<List<IReadOnlyList<(string, uint)>>> ShapesAsync(NpgsqlConnection connection, Query query)
    {
        await using var command = new NpgsqlCommand(query.Text, connection);
        foreach (var parameter in query.Parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)parameter ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown });
        await using var reader = await command.ExecuteReaderAsync();
        var results = new List<IReadOnlyList<(string, uint)>>();
        do
        {
            results.Add(Enumerable.Range(0, reader.FieldCount).Select(i => (reader.GetName(i), reader.GetDataTypeOID(i))).ToList());
            while (await reader.ReadAsync()) { }
        }
        while (await reader.NextResultAsync());
        return results;
    }

    private static string Describe(IEnumerable<IReadOnlyList<(string Name, uint Oid)>> results) =>
        string.Join(" ; ", results.Select(r => "(" + string.Join(", ", r.Select(c => $"{c.Name}:{c.Oid}")) + ")"));

    private static string Abbreviate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
