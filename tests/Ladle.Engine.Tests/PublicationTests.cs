using Ladle.Core.Errors;
using Ladle.Core.Queries;
using Ladle.Engine.State;
using Ladle.Engine.Store;

namespace Ladle.Engine.Tests;

public sealed class PublicationTests
{
    private static void WriteGeneration(TestProject p, int generation, int rows)
    {
        var lines = new List<string>(rows + 1) { "id,generation" };
        for (var i = 0; i < rows; i++) lines.Add($"{i},{generation}");
        p.Write("data/snapshot.csv", string.Join('\n', lines) + "\n");
    }

    private static TestProject SnapshotProject(int rows)
    {
        var p = new TestProject("");
        WriteGeneration(p, 1, rows);
        p.Dataset("snapshot", "source: files\ntable: snapshot.csv\nprimary_key: [id]\ncolumns:\n  - name: id\n    type: integer\n  - name: generation\n    type: integer\n");
        return p;
    }

    [Fact]
    public async Task Readers_during_rematerialization_never_see_a_mix_of_versions()
    {
        const int rows = 50_000;
        using var p = SnapshotProject(rows);
        await using var engine = await p.OpenAsync();
        Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Published);

        using var stop = new CancellationTokenSource();
        var reads = 0;
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var stream = await engine.ReadRowsAsync(engine.GetDataset("snapshot"), new RowsQuery { Dataset = "snapshot" }, CancellationToken.None);
                var result = await TestProject.ReadAllAsync(stream);
                Assert.Equal(rows, result.Count);
                var generations = result.Select(r => (long)r[1]!).Distinct().ToList();
                var generation = Assert.Single(generations);
                // The header a client gets names the same version the rows came from.
                Assert.Equal(generation, stream.Version!.Version);
                Interlocked.Increment(ref reads);
            }
        })).ToList();

        for (var generation = 2; generation <= 6; generation++)
        {
            WriteGeneration(p, generation, rows);
            var result = Assert.Single(await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None));
            Assert.True(result.Published, result.Error);
            Assert.Equal(generation, result.Version);
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.True(reads > 3, $"only {reads} reads ran during publication");
        Assert.Equal(6, engine.Catalog.Current("snapshot")!.Version);
    }

    [Fact]
    public async Task Failed_materialization_keeps_the_previous_version_served_and_records_why()
    {
        using var p = SnapshotProject(100);
        await using var engine = await p.OpenAsync();
        Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Published);
        p.Write("data/snapshot.csv", "id,generation\n1,not-a-number\n");

        var failed = Assert.Single(await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None));
        Assert.False(failed.Published);
        Assert.Equal(1, engine.Catalog.Current("snapshot")!.Version);
        Assert.Equal(100, (await TestProject.RowsAsync(engine, "snapshot")).Count);
        var versions = await engine.State.ListVersionsAsync("snapshot", 10, CancellationToken.None);
        Assert.Equal([VersionStatus.Failed, VersionStatus.Published], versions.Select(v => v.Status));
        // The recorded reason says where (readers see it); only the owner's build log quotes the value.
        Assert.Contains("column generation: the value at data/snapshot.csv:2 is not an integer", versions[0].Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-number", versions[0].Error, StringComparison.Ordinal);
        Assert.Contains("value 'not-a-number' at data/snapshot.csv:2", failed.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(DuckDbStore.VersionTableName("snapshot", 2), engine.Store.ListVersionTables());
    }

    [Fact]
    public async Task A_version_holds_every_column_as_its_declared_type_even_when_the_source_computes_another()
    {
        using var p = SnapshotProject(10);
        // DuckDB computes SUM of BIGINT as HUGEINT and 0.5 as DECIMAL(2,1); the contract says integer and double.
        p.Dataset("totals", "sql: select generation, sum(id) as total, 0.5 as share from snapshot group by generation\n" +
                            "columns:\n  - { name: generation, type: integer }\n  - { name: total, type: integer }\n  - { name: share, type: double }\n");
        await using var engine = await p.OpenAsync();
        Assert.All(await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None), r => Assert.True(r.Published, r.Error));

        await using var result = await engine.QueryStoreAsync("select typeof(generation), typeof(total), typeof(share), total from totals", CancellationToken.None);
        var row = Assert.Single(await TestProject.ReadAllAsync(result));
        Assert.Equal(["BIGINT", "BIGINT", "DOUBLE", 45L], row);
    }

    [Fact]
    public async Task Declared_column_missing_from_the_source_fails_with_the_columns_it_has()
    {
        using var p = SnapshotProject(10);
        p.Dataset("snapshot", "source: files\ntable: snapshot.csv\ncolumns:\n  - name: id\n    type: integer\n  - name: gen\n    type: integer\n");
        await using var engine = await p.OpenAsync();
        var failed = Assert.Single(await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None));
        Assert.False(failed.Published);
        Assert.Contains("'gen'", failed.Error, StringComparison.Ordinal);
        Assert.Contains("the source has: id, generation", failed.Error, StringComparison.Ordinal);
        Assert.Throws<DatasetUnavailableException>(() => engine.Catalog.Acquire("snapshot", null));
    }

    [Fact]
    public async Task Interrupted_build_is_marked_interrupted_and_its_table_dropped_when_the_store_reopens()
    {
        using var p = SnapshotProject(100);
        await using (var engine = await p.OpenAsync())
        {
            Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Published);
            // What a process killed mid-build leaves behind: a version recorded as building and a partial table.
            var building = await engine.State.BeginVersionAsync("snapshot", "test", DateTimeOffset.UtcNow, CancellationToken.None);
            using var connection = engine.Store.Open();
            DuckDbStore.Execute(connection, $"CREATE TABLE {DuckDbStore.VersionTable("snapshot", building.Version)} AS SELECT 1 AS id, 99 AS generation");
        }
        await using (var reopened = await p.OpenAsync())
        {
            var versions = await reopened.State.ListVersionsAsync("snapshot", 10, CancellationToken.None);
            Assert.Equal(VersionStatus.Interrupted, versions[0].Status);
            Assert.StartsWith("interrupted", versions[0].Error, StringComparison.Ordinal);
            // Not a failure of the data: the served version stays 'ok'.
            Assert.Equal(Ladle.Engine.Trust.DataStatus.Ok, reopened.Trust.Evaluate(reopened.GetDataset("snapshot"), reopened.Catalog.Current("snapshot")).Status);
            Assert.Equal(1, reopened.Catalog.Current("snapshot")!.Version);
            Assert.Equal([DuckDbStore.VersionTableName("snapshot", 1)], reopened.Store.ListVersionTables());
            var rows = await TestProject.RowsAsync(reopened, "snapshot");
            Assert.Equal(100, rows.Count);
            Assert.All(rows, r => Assert.Equal(1L, r[1]));
            // SQL over datasets reads the same version through the view.
            await using var viaView = await reopened.QueryStoreAsync("SELECT count(*) FROM snapshot", CancellationToken.None);
            Assert.Equal(100L, Assert.Single(await TestProject.ReadAllAsync(viaView))[0]);
        }
    }

    [Fact]
    public async Task Retention_drops_old_versions_once_unread_and_a_cursor_into_one_answers_gone()
    {
        using var p = SnapshotProject(10);
        await using var engine = await p.OpenAsync();
        await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None);
        // A reader holds version 1 while three more versions publish (retain_versions: 2).
        var lease = engine.Catalog.Acquire("snapshot", null);
        for (var i = 0; i < 3; i++) await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None);
        Assert.Equal([4L, 3L], engine.Catalog.Retained("snapshot").Select(v => v.Version));
        Assert.Contains(DuckDbStore.VersionTableName("snapshot", 1), engine.Store.ListVersionTables());
        lease.Dispose();

        await WaitUntil(() => !engine.Store.ListVersionTables().Contains(DuckDbStore.VersionTableName("snapshot", 1)));
        await WaitUntil(() => !engine.Store.ListVersionTables().Contains(DuckDbStore.VersionTableName("snapshot", 2)));
        Assert.Throws<GoneException>(() => engine.Catalog.Acquire("snapshot", 1));
        using var pinned = engine.Catalog.Acquire("snapshot", 3);
        Assert.Equal(3, pinned.Version.Version);
    }

    [Fact]
    public async Task A_declared_key_is_indexed_in_its_version_so_a_lookup_by_key_reads_the_index_and_the_index_goes_with_the_version()
    {
        using var p = SnapshotProject(5000);
        await using var engine = await p.OpenAsync();
        for (var i = 0; i < 3; i++) Assert.True((await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))[0].Published);
        // retain_versions: 2 — version 1 is dropped, and its index with it.
        await WaitUntil(() => !engine.Store.ListVersionTables().Contains(DuckDbStore.VersionTableName("snapshot", 1)));

        using var connection = engine.Store.Open();
        using var indexes = connection.CreateCommand();
        indexes.CommandText = $"SELECT table_name FROM duckdb_indexes() WHERE schema_name = '{DuckDbStore.VersionSchema}' AND table_name LIKE 'snapshot%' ORDER BY 1";
        var indexed = new List<string>();
        using (var reader = indexes.ExecuteReader())
            while (reader.Read()) indexed.Add(reader.GetString(0));
        Assert.Equal([DuckDbStore.VersionTableName("snapshot", 2), DuckDbStore.VersionTableName("snapshot", 3)], indexed);

        // The scan's type is settled when it starts: EXPLAIN ANALYZE shows it. A lookup by a bound value (as the wire's
        // extended protocol and pgbench send it) reads the index as a constant does.
        foreach (var (sql, value) in new (string, object?)[] { ("SELECT * FROM main.snapshot WHERE id = 4242", null), ("SELECT * FROM main.snapshot WHERE id = $1", 4242L) })
        {
            using var explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN ANALYZE " + sql;
            if (value is not null) explain.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("1", value));
            var plan = new System.Text.StringBuilder();
            using (var reader = explain.ExecuteReader())
                while (reader.Read()) plan.Append(reader.GetValue(1));
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(plan.ToString(), "index[_ ]scan", System.Text.RegularExpressions.RegexOptions.IgnoreCase), sql + "\n" + plan);
        }

        Assert.Equal(1, (await TestProject.RowsAsync(engine, "snapshot")).Count(r => (long)r[0]! == 4242));
    }

    [Fact]
    public async Task Disposing_the_engine_finishes_a_drop_under_way_so_the_next_start_has_nothing_to_repair()
    {
        using var p = SnapshotProject(10);
        var logs = new LogLines();
        await using (var engine = await LadleEngine.OpenAsync(p.Load(), loggers: logs))
        {
            await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None);
            var lease = engine.Catalog.Acquire("snapshot", null);
            for (var i = 0; i < 2; i++) await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None);
            Assert.Equal([3L, 2L], engine.Catalog.Retained("snapshot").Select(v => v.Version));
            // The last reader of version 1 lets go: its drop starts off this path, and the engine stops at once.
            lease.Dispose();
        }
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Could not drop", StringComparison.Ordinal));

        var reopenLogs = new LogLines();
        await using var reopened = await LadleEngine.OpenAsync(p.Load(), loggers: reopenLogs);
        // The stop left the state and the store agreeing: recovery found no half-dropped version to mend.
        Assert.DoesNotContain(reopenLogs.Lines, l => l.Contains("version 1", StringComparison.Ordinal));
        Assert.Equal(VersionStatus.Dropped, (await reopened.State.ListVersionsAsync("snapshot", 10, CancellationToken.None)).Single(v => v.Version == 1).Status);
        Assert.DoesNotContain(DuckDbStore.VersionTableName("snapshot", 1), reopened.Store.ListVersionTables());
    }

    [Fact]
    public async Task Dependents_build_after_their_inputs_and_are_skipped_when_an_input_fails()
    {
        using var p = SnapshotProject(100);
        p.Dataset("summary", "sql: select generation, count(*) as n from snapshot group by generation\n");
        p.Dataset("broken", "source: files\ntable: missing-*.csv\n");
        p.Dataset("on_broken", "sql: select count(*) as n from broken\n");
        await using var engine = await p.OpenAsync();
        var results = (await engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None)).ToList();
        Assert.True(results.Single(r => r.Dataset == "summary").Published);
        Assert.True(results.FindIndex(r => r.Dataset == "summary") > results.FindIndex(r => r.Dataset == "snapshot"));
        Assert.False(results.Single(r => r.Dataset == "broken").Published);
        var skipped = results.Single(r => r.Dataset == "on_broken");
        Assert.False(skipped.Published);
        Assert.Contains("dependency 'broken' failed", skipped.Error, StringComparison.Ordinal);
        Assert.Equal([1L, 100L], Assert.Single(await TestProject.RowsAsync(engine, "summary")));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
