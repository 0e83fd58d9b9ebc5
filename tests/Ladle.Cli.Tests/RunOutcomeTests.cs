using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ladle.Cli.Tests;

/// <summary>
/// `ladle materialize` reports the same outcome for the same failing dataset whether it runs the build itself or asks
/// a running `ladle serve` (which retries what its source made fail): SQL PostgreSQL cannot parse fails with
/// query-failed, a version an error check stops is quarantined, a PostgreSQL source nobody answers at is source
/// unavailable. The scheduler (FailureCategoryTests) and the refresh API (RefreshApiTests) report them alike.
/// </summary>
public sealed class RunOutcomeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-cli-outcomes-" + Guid.NewGuid().ToString("N"));

    private void WriteProject()
    {
        var pg = Environment.GetEnvironmentVariable("LADLE_TEST_PG")
            ?? throw new InvalidOperationException("LADLE_TEST_PG is not set: run the tests through ./test.sh, which starts PostgreSQL on loopback");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        // Child processes inherit this process's environment.
        var suffix = Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        Environment.SetEnvironmentVariable("LADLE_TEST_PG_UP_" + suffix, pg);
        Environment.SetEnvironmentVariable("LADLE_TEST_PG_DOWN_" + suffix, $"Host=127.0.0.1;Port={closedPort};Username=postgres;Database=postgres;Pooling=false;Timeout=5");
        Directory.CreateDirectory(Path.Combine(_dir, "datasets"));
        File.WriteAllText(Path.Combine(_dir, "ladle.yaml"), $"""
            name: outcomes
            server:
              run_retries: 1
              retry_backoff: 1s
            sources:
              warehouse:
                kind: postgres
                connection_env: LADLE_TEST_PG_UP_{suffix}
              down:
                kind: postgres
                connection_env: LADLE_TEST_PG_DOWN_{suffix}
            """);
        File.WriteAllText(Path.Combine(_dir, "datasets", "bad_sql.yaml"), "name: bad_sql\nsource: warehouse\nsql: SELEC 1 AS id\n");
        File.WriteAllText(Path.Combine(_dir, "datasets", "null_ids.yaml"),
            "name: null_ids\nsource: warehouse\nsql: SELECT NULL::int AS id\nchecks:\n  - name: ids_present\n    type: not_null\n    column: id\n");
        File.WriteAllText(Path.Combine(_dir, "datasets", "unreachable.yaml"), "name: unreachable\nsource: down\ntable: public.orders\n");
    }

    /// <summary>The outcome column of the dataset's row in the summary table.</summary>
    private static string OutcomeOf(string output, string dataset)
    {
        var row = Regex.Match(output, $@"│ {dataset}\s+│ ([^│]+?)\s+│");
        Assert.True(row.Success, $"no row for {dataset} in:\n{output}");
        return row.Groups[1].Value;
    }

    private static async Task<List<JsonElement>> VersionsAsync(HttpClient http, string dataset) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/v1/datasets/{dataset}/versions")).GetProperty("versions").EnumerateArray().ToList();

    [Fact]
    public async Task Materialize_reports_the_same_outcomes_locally_and_through_a_running_server()
    {
        WriteProject();
        var local = await LadleProcess.RunAsync("materialize", "--project", _dir);
        Assert.True(local.ExitCode == 1, local.Out + local.Err);
        Assert.Equal("failed (query-failed)", OutcomeOf(local.Out, "bad_sql"));
        Assert.Equal("quarantined", OutcomeOf(local.Out, "null_ids"));
        Assert.Equal("source unavailable", OutcomeOf(local.Out, "unreachable"));
        Assert.Contains("42601", local.Out, StringComparison.Ordinal);

        await using var serve = await ServeProcess.StartAsync(_dir);
        // `ladle serve` first builds what was never published (trigger startup); let those runs end, retry included.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await VersionsAsync(serve.Http, "unreachable")).Count(v => v.GetProperty("trigger").GetString() == "startup" && v.GetProperty("status").GetString() == "failed") < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the start-up runs never ended:\n" + serve.Output);
            await Task.Delay(50);
        }
        var forwarded = await LadleProcess.RunAsync("materialize", "--project", _dir);
        Assert.True(forwarded.ExitCode == 1, forwarded.Out + forwarded.Err + serve.Output);
        Assert.Contains("asking it to run them", forwarded.Out, StringComparison.Ordinal);
        foreach (var dataset in new[] { "bad_sql", "null_ids", "unreachable" })
            Assert.Equal(OutcomeOf(local.Out, dataset), OutcomeOf(forwarded.Out, dataset));
        Assert.Contains("42601", forwarded.Out, StringComparison.Ordinal);

        // The server ran them as runs of the api, retrying only the unreachable source (run_retries: 1).
        var attempts = (await VersionsAsync(serve.Http, "unreachable")).Count(v => v.GetProperty("trigger").GetString() == "api");
        Assert.Equal(2, attempts);
        Assert.Single(await VersionsAsync(serve.Http, "bad_sql"), v => v.GetProperty("trigger").GetString() == "api");
        Assert.Single(await VersionsAsync(serve.Http, "null_ids"), v => v.GetProperty("trigger").GetString() == "api");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
