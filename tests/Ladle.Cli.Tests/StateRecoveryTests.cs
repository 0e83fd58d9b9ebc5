using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ladle.Engine.Store;

namespace Ladle.Cli.Tests;

/// <summary>
/// The state file lost, restored from an older copy, or behind the store after a crash: Ladle never drops data the
/// state cannot explain, `ladle recover` rebuilds the version records from the store's manifest, and version
/// numbers (and the cursors that name them) never come to mean other data.
/// </summary>
public sealed class StateRecoveryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-state-" + Guid.NewGuid().ToString("N"));

    private string LadleDir => Path.Combine(_dir, ".ladle");
    private string StatePath => Path.Combine(LadleDir, "state.db");

    private void WriteProject(string retention = "")
    {
        Directory.CreateDirectory(Path.Combine(_dir, "datasets"));
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        File.WriteAllText(Path.Combine(_dir, "ladle.yaml"), """
            name: state_test
            sources:
              files:
                kind: files
                path: data
            """);
        File.WriteAllText(Path.Combine(_dir, "datasets", "items.yaml"), $"""
            name: items
            source: files
            table: items.csv
            primary_key: [id]
            checks:
              - {"{"} type: range, column: price, min: 0, max: 1000 {"}"}
            {retention}
            """);
        WriteItems(2);
    }

    /// <summary>Items 1..n, each priced under the check's limit unless <paramref name="badPrice"/> is set.</summary>
    private void WriteItems(int rows, double? badPrice = null) =>
        File.WriteAllText(Path.Combine(_dir, "data", "items.csv"),
            "id,name,price\n" + string.Concat(Enumerable.Range(1, rows).Select(i => $"{i},item {i},{(badPrice ?? i * 1.5).ToString(System.Globalization.CultureInfo.InvariantCulture)}\n")));

    private async Task MaterializeAsync(bool expectPublished = true)
    {
        var (code, output, error) = await LadleProcess.RunAsync("materialize", "items", "--project", _dir);
        Assert.True(code == (expectPublished ? 0 : 1), output + error);
    }

    private async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var (code, output, error) = await LadleProcess.RunAsync([.. args, "--project", _dir]);
        return (code, output + error);
    }

    private static async Task<List<(long Version, string Status, string? Trigger)>> VersionsAsync(ServeProcess serve) =>
        (await serve.Http.GetFromJsonAsync<JsonElement>("/api/v1/datasets/items/versions")).GetProperty("versions").EnumerateArray()
        .Select(v => (v.GetProperty("version").GetInt64(), v.GetProperty("status").GetString()!, v.GetProperty("trigger").GetString()))
        .ToList();

    /// <summary>The first row of the served version and the cursor to the next page.</summary>
    private static async Task<(string Version, string Cursor)> FirstPageAsync(ServeProcess serve)
    {
        using var response = await serve.Http.GetAsync("/api/v1/datasets/items/rows?limit=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.Headers.GetValues("Ladle-Dataset-Version").Single(), body.GetProperty("next_cursor").GetString()!);
    }

    private static async Task<HttpResponseMessage> NextPageAsync(ServeProcess serve, string cursor) =>
        await serve.Http.GetAsync($"/api/v1/datasets/items/rows?limit=1&cursor={Uri.EscapeDataString(cursor)}");

    private List<string> StoreTables()
    {
        using var store = new DuckDbStore(Path.Combine(LadleDir, "store.duckdb"));
        return store.ListVersionTables().Order().ToList();
    }

    private static string Table(long version) => DuckDbStore.VersionTableName("items", version);

    private void DeleteState()
    {
        foreach (var file in Directory.GetFiles(LadleDir, "state.db*")) File.Delete(file);
    }

    [Fact]
    public async Task Lost_state_refuses_to_start_keeps_every_version_and_recover_serves_them_again()
    {
        WriteProject();
        await MaterializeAsync();
        await MaterializeAsync();
        WriteItems(2, badPrice: 5000);
        await MaterializeAsync(expectPublished: false); // v3: quarantined by the range check, kept for inspection
        WriteItems(3);
        string cursor;
        await using (var first = await ServeProcess.StartAsync(_dir))
        {
            Assert.Equal([(3L, "quarantined", "cli"), (2L, "published", "cli"), (1L, "published", "cli")], await VersionsAsync(first));
            (_, cursor) = await FirstPageAsync(first);
            await first.KillAsync();
        }

        DeleteState();
        var (code, output) = await RunAsync("serve", "--http", "127.0.0.1:0");
        Assert.Equal(1, code);
        Assert.Contains($"the state file {StatePath} is missing", output, StringComparison.Ordinal);
        Assert.Contains("items v1-v3", output, StringComparison.Ordinal);
        Assert.Contains("ladle recover", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Dropped", output, StringComparison.Ordinal);
        Assert.False(File.Exists(StatePath), "refusing must not leave an empty state file behind");
        Assert.Equal([Table(1), Table(2), Table(3)], StoreTables());

        (code, output) = await RunAsync("recover");
        Assert.True(code == 0, output);
        Assert.Contains("v1-v3", output, StringComparison.Ordinal);
        Assert.Contains("3 version record(s) rebuilt", output, StringComparison.Ordinal);
        Assert.Contains("API tokens", output, StringComparison.Ordinal);
        (code, output) = await RunAsync("recover");
        Assert.True(code == 0, output);
        Assert.Contains("nothing to rebuild", output, StringComparison.Ordinal);

        await using (var second = await ServeProcess.StartAsync(_dir))
        {
            Assert.Equal([(3L, "quarantined", "cli"), (2L, "published", "cli"), (1L, "published", "cli")], await VersionsAsync(second));
            Assert.Equal("2", (await FirstPageAsync(second)).Version);
            // The cursor issued before the loss still reads the very version it was issued for.
            using (var next = await NextPageAsync(second, cursor))
                Assert.Equal(HttpStatusCode.OK, next.StatusCode);

            // Numbers continue after the highest the store ever handed out.
            using var refresh = await second.Http.PostAsync("/api/v1/datasets/items/refresh?wait=true", null);
            var run = await refresh.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(refresh.StatusCode == HttpStatusCode.OK, run.ToString());
            Assert.Equal(4, run.GetProperty("version").GetInt64());
            await second.KillAsync();
        }
        Assert.Equal([Table(1), Table(2), Table(3), Table(4)], StoreTables());
    }

    [Fact]
    public async Task Older_state_refuses_to_start_and_recover_keeps_version_numbers_unique()
    {
        WriteProject();
        await MaterializeAsync();
        var backup = Path.Combine(_dir, "state-backup");
        Directory.CreateDirectory(backup);
        foreach (var file in Directory.GetFiles(LadleDir, "state.db*")) File.Copy(file, Path.Combine(backup, Path.GetFileName(file)));
        WriteItems(3);
        await MaterializeAsync();

        DeleteState();
        foreach (var file in Directory.GetFiles(backup)) File.Copy(file, Path.Combine(LadleDir, Path.GetFileName(file)));
        var (code, output) = await RunAsync("serve", "--http", "127.0.0.1:0");
        Assert.Equal(1, code);
        Assert.Contains($"the state file {StatePath} is older than the store", output, StringComparison.Ordinal);
        Assert.Contains("items v2 ", output, StringComparison.Ordinal);
        Assert.Equal([Table(1), Table(2)], StoreTables());
        // Any command that opens the store refuses alike: a materialize would otherwise reuse number 2.
        (code, output) = await RunAsync("materialize", "items");
        Assert.Equal(1, code);
        Assert.Contains("older than the store", output, StringComparison.Ordinal);

        (code, output) = await RunAsync("recover");
        Assert.True(code == 0, output);
        Assert.Contains("1 version record(s) rebuilt; 1 already known", output, StringComparison.Ordinal);
        await MaterializeAsync();
        await using var serve = await ServeProcess.StartAsync(_dir);
        Assert.Equal([(3L, "published", "cli"), (2L, "published", "cli"), (1L, "published", "cli")], await VersionsAsync(serve));
    }

    [Fact]
    public async Task A_cursor_from_a_project_started_afresh_is_refused_not_read_from_the_new_version_of_that_number()
    {
        WriteProject();
        string cursor;
        await using (var first = await ServeProcess.StartAsync(_dir))
        {
            await WaitServedAsync(first, 1);
            (var version, cursor) = await FirstPageAsync(first);
            Assert.Equal("1", version);
            await first.KillAsync();
        }

        // Starting afresh, as the refusal suggests: the store and state moved aside together.
        Directory.Move(LadleDir, Path.Combine(_dir, "ladle-old"));
        await using var second = await ServeProcess.StartAsync(_dir);
        await WaitServedAsync(second, 1);
        using var next = await NextPageAsync(second, cursor);
        var problem = await next.Content.ReadAsStringAsync();
        Assert.True(next.StatusCode == HttpStatusCode.Gone, problem);
        Assert.Contains("another version 1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_past_retention_when_the_server_restarts_is_listed_as_dropped_not_published()
    {
        // A kill just after a publication leaves one version more than retention published in the state; changing
        // retention while stopped reaches the same start-up path deterministically.
        WriteProject("retention: { versions: 2 }");
        await MaterializeAsync();
        await MaterializeAsync();
        File.WriteAllText(Path.Combine(_dir, "datasets", "items.yaml"),
            File.ReadAllText(Path.Combine(_dir, "datasets", "items.yaml")).Replace("versions: 2", "versions: 1", StringComparison.Ordinal));

        await using (var serve = await ServeProcess.StartAsync(_dir))
        {
            Assert.Equal([(2L, "published", "cli"), (1L, "dropped", "cli")], await VersionsAsync(serve));
            await serve.KillAsync();
        }
        Assert.Equal([Table(2)], StoreTables());
        var (code, output) = await RunAsync("versions", "items");
        Assert.True(code == 0, output);
        Assert.Matches(@"│ 1\s+│ dropped", output);
    }

    /// <summary>Waits until the version is the one served (the state records it just before the catalog swaps it in).</summary>
    private static async Task WaitServedAsync(ServeProcess serve, long version)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await serve.Http.GetAsync("/api/v1/datasets/items/rows?limit=1");
            if (response.IsSuccessStatusCode && response.Headers.GetValues("Ladle-Dataset-Version").Single() == version.ToString(System.Globalization.CultureInfo.InvariantCulture)) return;
            await Task.Delay(20);
        }
        Assert.Fail($"version {version} was never served\n{serve.Output}");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
