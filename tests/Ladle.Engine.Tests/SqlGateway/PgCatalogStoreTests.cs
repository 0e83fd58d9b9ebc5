using DuckDB.NET.Data;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Ladle.Engine.SqlGateway.Catalog;

namespace Ladle.Engine.Tests.SqlGateway;

/// <summary>The catalog on a real store file, set up once and then read from a locked-down connection.</summary>
public sealed class PgCatalogStoreTests
{
    [Fact]
    public async Task Columns_of_a_dataset_that_declares_none_are_read_from_its_published_version()
    {
        using var project = new TestProject("");
        project.Write("data/events.csv", "event_id,kind,amount,at\n1,click,2.5,2026-01-01 10:00:00\n");
        project.Dataset("events", "domain: web\nsource: files\ntable: events.csv\nmaterialization: table\n");
        var definition = project.Load();
        await using (var engine = await LadleEngine.OpenAsync(definition))
            Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Published);

        var catalog = new PgCatalog(definition, new AccessPolicy(definition, "k", devAnonymousIsAdmin: false));
        await using var connection = new DuckDBConnection($"DataSource={definition.StorePath}");
        connection.Open();
        foreach (var statement in catalog.Setup) Execute(connection, statement);
        // As the gateway's sandbox runs statements: no file access, settings locked, another default database.
        Execute(connection, "SET enable_external_access = false");
        Execute(connection, "ATTACH ':memory:' AS sandbox");
        Execute(connection, "USE sandbox");
        Execute(connection, "SET lock_configuration = true");

        var local = Principal.Local;
        var rows = new CatalogRewriter(connection, catalog).Run("""
            SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnum
            FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            WHERE c.relname = 'events' AND a.attnum > 0 ORDER BY a.attnum
            """, local).Rows;
        Assert.Equal(["event_id bigint 1", "kind text 2", "amount double precision 3", "at timestamp without time zone 4"],
            rows.Select(r => string.Join(" ", r)));
        var columns = new CatalogRewriter(connection, catalog).Run(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'web' ORDER BY ordinal_position", local).Rows;
        Assert.Equal(["event_id", "kind", "amount", "at"], columns.Select(r => r[0]));
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
