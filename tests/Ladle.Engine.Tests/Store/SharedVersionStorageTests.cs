using Ladle.Engine.State;
using Ladle.Engine.Store;

namespace Ladle.Engine.Tests.Store;

/// <summary>
/// Versions on a shared folder: written whole or not at all, loaded back into another store with exactly the types
/// their builder published, and refused with what to do when the folder cannot take them.
/// </summary>
public sealed class SharedVersionStorageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ladle-shared-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_version_is_loaded_by_another_store_with_the_types_and_rows_its_builder_published()
    {
        var storage = new FolderVersionStorage(Path.Combine(_root, "shared"));
        using (var builder = new DuckDbStore(Path.Combine(_root, "a", "store.duckdb")))
        using (var connection = builder.Open())
        {
            DuckDbStore.Execute(connection, $"""
                CREATE TABLE {DuckDbStore.VersionTable("Orders", 4)} AS
                SELECT i AS id, CAST(i * 1.25 AS DECIMAL(18, 3)) AS amount, TIMESTAMPTZ '2026-03-01 12:00:00+00' + to_hours(i) AS happened_at,
                       CAST(i AS HUGEINT) * 1000000000000 AS big, CASE WHEN i % 2 = 0 THEN NULL ELSE 'x' || i END AS note, i % 3 = 0 AS flag
                FROM range(1, 1001) t(i)
                """);
            await storage.WriteAsync("Orders", 4, (folder, _) =>
            {
                VersionParquet.Export(connection, "Orders", 4, folder);
                return Task.CompletedTask;
            }, CancellationToken.None);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_root, "shared", ".staging")));
        var folder = await storage.LocateAsync("orders", 4, CancellationToken.None);
        Assert.Equal(Path.Combine(_root, "shared", "orders", "v4"), folder);
        Assert.Null(await storage.LocateAsync("orders", 5, CancellationToken.None));

        using var reader = new DuckDbStore(Path.Combine(_root, "b", "store.duckdb"));
        using var read = reader.Open();
        Assert.Equal(1_000, VersionParquet.Import(read, "orders", 4, folder!));
        using var command = read.CreateCommand();
        command.CommandText = $"""
            SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns
            WHERE table_schema = 'ladle_versions' AND table_name = 'orders__v4'
            """;
        Assert.Equal("id BIGINT, amount DECIMAL(18,3), happened_at TIMESTAMP WITH TIME ZONE, big HUGEINT, note VARCHAR, flag BOOLEAN", command.ExecuteScalar());
        command.CommandText = $"SELECT sum(amount)::VARCHAR || '|' || max(big)::VARCHAR || '|' || count(note) || '|' || max(happened_at)::VARCHAR FROM {DuckDbStore.VersionTable("orders", 4)}";
        Assert.Equal("625625.000|1000000000000000|500|2026-04-12 04:00:00+00", command.ExecuteScalar());
    }

    [Fact]
    public async Task A_failed_write_leaves_nothing_a_reader_could_find_and_a_deleted_version_is_gone_whole()
    {
        var storage = new FolderVersionStorage(Path.Combine(_root, "shared"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => storage.WriteAsync("orders", 1, async (folder, _) =>
        {
            await File.WriteAllTextAsync(Path.Combine(folder, VersionParquet.DataFile), "half");
            throw new InvalidOperationException("the export failed half way");
        }, CancellationToken.None));
        Assert.Null(await storage.LocateAsync("orders", 1, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_root, "shared", ".staging")));

        await storage.WriteAsync("orders", 2, (folder, _) => File.WriteAllTextAsync(Path.Combine(folder, VersionParquet.DataFile), "whole"), CancellationToken.None);
        var refused = await Assert.ThrowsAsync<SharedStorageException>(() =>
            storage.WriteAsync("orders", 2, (_, _) => Task.CompletedTask, CancellationToken.None));
        Assert.Contains("already holds version 2 of 'orders'", refused.Message, StringComparison.Ordinal);
        await storage.DeleteAsync("orders", 2, CancellationToken.None);
        Assert.Null(await storage.LocateAsync("orders", 2, CancellationToken.None));
        // Deleting what another node already deleted is no error.
        await storage.DeleteAsync("orders", 2, CancellationToken.None);
    }

    [Fact]
    public async Task Leftovers_of_writes_and_deletes_that_died_go_while_every_version_a_node_may_still_load_stays()
    {
        var shared = Path.Combine(_root, "shared");
        var storage = new FolderVersionStorage(shared);
        foreach (var version in new[] { 1, 2, 6 })
            await storage.WriteAsync("orders", version, (folder, _) => File.WriteAllTextAsync(Path.Combine(folder, VersionParquet.DataFile), "whole"), CancellationToken.None);
        // What nodes killed mid-write (or mid-delete) leave under .staging.
        string Staging(string name)
        {
            var folder = Path.Combine(shared, ".staging", name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, VersionParquet.DataFile), "half");
            return folder;
        }
        var ofInterrupted = Staging($"orders-v3-{Guid.NewGuid():N}");
        var ofBuilding = Staging($"orders-v4-{Guid.NewGuid():N}");
        var ofUnknown = Staging($"orders-v5-{Guid.NewGuid():N}");
        var ofDelete = Staging($"deleting-{Guid.NewGuid():N}");
        var states = new Dictionary<long, VersionStatus>
        {
            [1] = VersionStatus.Published, [2] = VersionStatus.Failed, [3] = VersionStatus.Interrupted, [4] = VersionStatus.Building,
        };

        var removed = await storage.RemoveLeftoversAsync((dataset, version) =>
            dataset == "orders" && states.TryGetValue(version, out var status) ? status : null, CancellationToken.None);

        Assert.Equal(new[] { ofInterrupted, ofDelete, Path.Combine(shared, "orders", "v2") }.Order(), removed.Order());
        Assert.NotNull(await storage.LocateAsync("orders", 1, CancellationToken.None));
        Assert.Null(await storage.LocateAsync("orders", 2, CancellationToken.None));
        // A version the state does not know (yet) and a write still building are left alone.
        Assert.NotNull(await storage.LocateAsync("orders", 6, CancellationToken.None));
        Assert.True(Directory.Exists(ofBuilding));
        Assert.True(Directory.Exists(ofUnknown));
        Assert.Equal(2, Directory.EnumerateDirectories(Path.Combine(shared, ".staging")).Count());
    }

    [Fact]
    public async Task A_shared_folder_that_cannot_be_written_is_named_with_what_to_check()
    {
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "not-a-folder");
        await File.WriteAllTextAsync(file, "");
        var storage = new FolderVersionStorage(file, "ladle.yaml:12:3");
        var refused = await Assert.ThrowsAsync<SharedStorageException>(() =>
            storage.WriteAsync("orders", 1, (_, _) => Task.CompletedTask, CancellationToken.None));
        Assert.Contains("version 1 of 'orders' could not be written to the shared storage", refused.Message, StringComparison.Ordinal);
        Assert.Contains("(storage: at ladle.yaml:12:3)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("mounted and writable", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
