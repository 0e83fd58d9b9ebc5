using Ladle.Core.Policy;
using Npgsql;

namespace Ladle.Engine.Tests.SqlGateway;

/// <summary>
/// The catalog queries psql and Npgsql sent to a real PostgreSQL 15 (Captured/*.sql), asked of PostgreSQL holding
/// the same table as the project's orders dataset and of the catalog: each runs on DuckDB after the catalog's
/// rewrites and answers with PostgreSQL's columns, the same kind of value in each, the same number of rows and,
/// where the value does not name a server-specific object (OIDs, the owner, the database), the same values.
/// </summary>
public sealed class PgCatalogFidelityTests(CatalogProject catalog, PgCatalogFidelityTests.ReferenceDatabase reference)
    : IClassFixture<CatalogProject>, IClassFixture<PgCatalogFidelityTests.ReferenceDatabase>
{
    // Values that name the server's own objects: OIDs, owners, the database; compared by kind and count only.
    private static readonly HashSet<string> ServerSpecific = new(StringComparer.Ordinal)
    {
        "oid", "Owner", "Name", "Encoding", "Collate", "Ctype", "Access privileges", "table_catalog", "version",
    };

    [Fact]
    public async Task Psql_describe_commands_answer_like_postgresql()
    {
        var failures = new List<string>();
        string? pgOid = null, ladleOid = null;
        foreach (var (name, sql) in CapturedCorpus.Load("psql.sql"))
        {
            var expected = await reference.QueryAsync(sql.Replace("{oid}", pgOid, StringComparison.Ordinal));
            var actual = Run(name, sql.Replace("{oid}", ladleOid, StringComparison.Ordinal), CatalogProject.Seller, failures);
            if (actual is null) continue;
            // \d looks the table up first; the rest of its queries ask by that OID, each server's own.
            if (name.StartsWith("psql \\d orders #1", StringComparison.Ordinal))
            {
                pgOid = expected.Rows.Single()[0];
                ladleOid = actual.Value.Rows.Single()[0];
            }
            Compare(name, expected, actual.Value, failures, sameRowCount: !name.StartsWith("psql \\l", StringComparison.Ordinal));
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public async Task Npgsql_type_loading_and_get_schema_answer_like_postgresql()
    {
        var failures = new List<string>();
        foreach (var (name, sql) in CapturedCorpus.Load("npgsql.sql"))
        {
            var expected = await reference.QueryAsync(sql);
            var actual = Run(name, sql, CatalogProject.Seller, failures);
            if (actual is null) continue;
            if (name is "npgsql type loading")
            {
                // PostgreSQL has ~600 types; the catalog the ones Ladle serves and clients look up, each as PostgreSQL lists it.
                Compare(name, expected, actual.Value, failures, sameRowCount: false);
                var pgTypes = expected.Rows.ToDictionary(r => r[1]!, r => string.Join("|", r));
                foreach (var row in actual.Value.Rows)
                    if (!pgTypes.TryGetValue(row[1]!, out var pg) || pg != string.Join("|", row))
                        failures.Add($"{name}: type {string.Join("|", row)} is {pg ?? "absent"} in PostgreSQL");
                foreach (var type in new[] { "int4", "int8", "text", "numeric", "timestamptz", "uuid", "_int4", "_text", "record" })
                    if (actual.Value.Rows.All(r => r[2] != type)) failures.Add($"{name}: no type {type}");
                continue;
            }
            if (name is "npgsql version")
                Assert.StartsWith($"PostgreSQL 15.18 (Ladle ", actual.Value.Rows.Single()[0]);
            Compare(name, expected, actual.Value, failures, sameRowCount: true, ordered: sql.Contains("ORDER BY", StringComparison.Ordinal));
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private (List<string> Columns, List<string> Types, List<string?[]> Rows)? Run(string name, string sql, Principal principal, List<string> failures)
    {
        try
        {
            return catalog.Rewriter.Run(sql, principal);
        }
        catch (InvalidOperationException e)
        {
            failures.Add($"{name}: {e.Message}");
            return null;
        }
    }

    private static void Compare(string name, ReferenceAnswer expected, (List<string> Columns, List<string> Types, List<string?[]> Rows) actual,
        List<string> failures, bool sameRowCount, bool ordered = true)
    {
        if (!ordered)
        {
            // Without ORDER BY neither server promises an order.
            expected = expected with { Rows = expected.Rows.OrderBy(r => string.Join("|", r), StringComparer.Ordinal).ToList() };
            actual.Rows = actual.Rows.OrderBy(r => string.Join("|", r), StringComparer.Ordinal).ToList();
        }
        if (!expected.Columns.SequenceEqual(actual.Columns))
        {
            failures.Add($"{name}: columns [{string.Join(", ", actual.Columns)}], PostgreSQL [{string.Join(", ", expected.Columns)}]");
            return;
        }
        for (var i = 0; i < expected.Columns.Count; i++)
            if (PgKind(expected.Types[i]) != DuckKind(actual.Types[i]))
                failures.Add($"{name}: column {expected.Columns[i]} is {actual.Types[i]}, PostgreSQL {expected.Types[i]}");
        if (!sameRowCount) return;
        if (expected.Rows.Count != actual.Rows.Count)
        {
            failures.Add($"{name}: {actual.Rows.Count} rows, PostgreSQL {expected.Rows.Count}");
            return;
        }
        for (var r = 0; r < expected.Rows.Count; r++)
        for (var c = 0; c < expected.Columns.Count; c++)
        {
            if (ServerSpecific.Contains(expected.Columns[c]) || expected.Types[c] is "oid" or "regclass") continue;
            if (expected.Rows[r][c] != actual.Rows[r][c])
                failures.Add($"{name}: row {r + 1} {expected.Columns[c]} is '{actual.Rows[r][c]}', PostgreSQL '{expected.Rows[r][c]}'");
        }
    }

    private static string PgKind(string type) => type switch
    {
        "boolean" => "bool",
        "smallint" or "integer" or "bigint" or "oid" or "xid" or "real" or "double precision" or "numeric" => "number",
        _ when type.EndsWith("[]", StringComparison.Ordinal) || type is "int2vector" or "oidvector" => "list",
        _ => "text",
    };

    private static string DuckKind(string type) => type switch
    {
        "Boolean" => "bool",
        "Int16" or "Int32" or "Int64" or "UInt16" or "UInt32" or "UInt64" or "Single" or "Double" or "Decimal" or "BigInteger" => "number",
        _ when type.StartsWith("List", StringComparison.Ordinal) => "list",
        _ => "text",
    };

    /// <summary>What PostgreSQL answered: column names, type names, values as text.</summary>
    public sealed record ReferenceAnswer(List<string> Columns, List<string> Types, List<string?[]> Rows);

    /// <summary>
    /// A database of its own on the test PostgreSQL (LADLE_TEST_PG) holding sales.orders as the project declares it,
    /// with the same comments and key, and sales first on the search path as the catalog puts every domain there.
    /// </summary>
    public sealed class ReferenceDatabase : IAsyncLifetime
    {
        private readonly string _server = new PostgresFixture().ConnectionString;
        private readonly string _name = "ladle_pgcatalog_" + Guid.NewGuid().ToString("N")[..8];
        private string Connection => new NpgsqlConnectionStringBuilder(_server) { Database = _name, SearchPath = "sales,public" }.ConnectionString;

        public async Task InitializeAsync()
        {
            await ExecuteAsync(_server, $"CREATE DATABASE {_name}");
            await ExecuteAsync(Connection, """
                CREATE SCHEMA sales;
                CREATE TABLE sales.orders (order_id bigint PRIMARY KEY, customer_id bigint, region text, amount numeric(38,10),
                    placed_at timestamp, is_paid boolean, ordered_on date, ratio double precision);
                COMMENT ON TABLE sales.orders IS 'One row per order';
                COMMENT ON COLUMN sales.orders.amount IS 'Order total in EUR';
                """);
        }

        public async Task DisposeAsync() => await ExecuteAsync(_server, $"DROP DATABASE IF EXISTS {_name} WITH (FORCE)");

        public async Task<ReferenceAnswer> QueryAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(Connection);
            await connection.OpenAsync();
            // Every value as PostgreSQL's own text (regclass, "char", arrays), the way psql shows it.
            await using var command = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true };
            await using var reader = await command.ExecuteReaderAsync();
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
            var types = Enumerable.Range(0, reader.FieldCount).Select(reader.GetDataTypeName).ToList();
            var rows = new List<string?[]>();
            while (await reader.ReadAsync())
                rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetString(i)).ToArray());
            return new ReferenceAnswer(columns, types, rows);
        }

        private static async Task ExecuteAsync(string connectionString, string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
