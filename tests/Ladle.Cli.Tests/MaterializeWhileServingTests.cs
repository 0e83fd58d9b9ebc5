using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ladle.Cli.Tests;

/// <summary>
/// `ladle materialize` and `ladle checks run` while `ladle serve` holds the store (DuckDB lets one process open it):
/// the server is asked to run them; a server that died without cleaning up is not mistaken for a running one.
/// </summary>
public sealed class MaterializeWhileServingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-cli-serving-" + Guid.NewGuid().ToString("N"));

    private static async Task<List<JsonElement>> VersionsAsync(HttpClient http, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/datasets/cities/versions");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("versions").EnumerateArray().ToList();
    }

    private static async Task WaitForPublishedAsync(HttpClient http, long version, string? token = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if ((await VersionsAsync(http, token)).Any(v => v.GetProperty("version").GetInt64() == version && v.GetProperty("status").GetString() == "published")) return;
            await Task.Delay(50);
        }
        Assert.Fail($"version {version} of cities was never published");
    }

    [Fact]
    public async Task Materialize_asks_the_running_server_and_runs_locally_again_once_it_is_gone()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        await using (var serve = await ServeProcess.StartAsync(_dir))
        {
            await WaitForPublishedAsync(serve.Http, 1);   // built at start
            var run = await LadleProcess.RunAsync("materialize", "--project", _dir, "cities");
            Assert.True(run.ExitCode == 0, run.Out + run.Err + serve.Output);
            Assert.Contains("asking it to run them", run.Out, StringComparison.Ordinal);
            Assert.Contains("published", run.Out, StringComparison.Ordinal);
            var newest = (await VersionsAsync(serve.Http))[0];
            Assert.Equal((2L, "published", "api"), (newest.GetProperty("version").GetInt64(), newest.GetProperty("status").GetString(), newest.GetProperty("trigger").GetString()));

            var unknown = await LadleProcess.RunAsync("materialize", "--project", _dir, "citties");
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("no dataset 'citties'", unknown.Err, StringComparison.Ordinal);
            Assert.Contains("cities", unknown.Err, StringComparison.Ordinal);

            // Killed: its server.json stays behind, naming a process that is gone.
            await serve.KillAsync();
        }
        Assert.True(File.Exists(Path.Combine(_dir, ".ladle", "server.json")));
        var local = await LadleProcess.RunAsync("materialize", "--project", _dir);
        Assert.True(local.ExitCode == 0, local.Out + local.Err);
        Assert.DoesNotContain("asking it", local.Out, StringComparison.Ordinal);
        var versions = await LadleProcess.RunAsync("versions", "cities", "--project", _dir);
        Assert.Contains("cli", versions.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_secured_server_runs_them_only_for_an_admin_token()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        File.WriteAllText(Path.Combine(_dir, "access.yaml"), "roles:\n  admin:\n    admin: true\n  reader:\n    grants:\n      - { actions: [read], datasets: ['*'] }\nprincipals:\n  root: { roles: [admin] }\n  ada: { roles: [reader] }\n");
        var root = (await LadleProcess.RunAsync("tokens", "create", "--principal", "root", "--project", _dir)).Out;
        var rootToken = root.Split(' ', '\n', '\r', '│').First(w => w.StartsWith("ldl_", StringComparison.Ordinal));
        var ada = (await LadleProcess.RunAsync("tokens", "create", "--principal", "ada", "--project", _dir)).Out;
        var adaToken = ada.Split(' ', '\n', '\r', '│').First(w => w.StartsWith("ldl_", StringComparison.Ordinal));

        await using var serve = await ServeProcess.StartAsync(_dir, dev: false);
        await WaitForPublishedAsync(serve.Http, 1, rootToken);
        foreach (var refused in new[] { new[] { "materialize", "--project", _dir }, ["materialize", "--project", _dir, "--token", adaToken] })
        {
            var run = await LadleProcess.RunAsync(refused);
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("it takes an admin token; pass --token or set LADLE_TOKEN", run.Err, StringComparison.Ordinal);
        }
        Assert.Single(await VersionsAsync(serve.Http, rootToken));

        var allowed = await LadleProcess.RunAsync("materialize", "--project", _dir, "--token", rootToken);
        Assert.True(allowed.ExitCode == 0, allowed.Out + allowed.Err);
        await WaitForPublishedAsync(serve.Http, 2, rootToken);
    }

    [Fact]
    public async Task Checks_run_locally_and_through_a_running_server_alike_and_fail_when_an_error_check_fails()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        Assert.Equal(0, (await LadleProcess.RunAsync("materialize", "--project", _dir)).ExitCode);
        var local = await LadleProcess.RunAsync("checks", "run", "--project", _dir);
        Assert.True(local.ExitCode == 0, local.Out + local.Err);
        Assert.Contains("unique_city", local.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("asking it", local.Out, StringComparison.Ordinal);

        // The file changes under the served version: checks run on what is served, so they still pass…
        File.AppendAllText(Path.Combine(_dir, "data", "cities.csv"), "Lisbon,pt,-1\n");
        await using var serve = await ServeProcess.StartAsync(_dir);
        var served = await LadleProcess.RunAsync("checks", "run", "--project", _dir, "cities");
        Assert.True(served.ExitCode == 0, served.Out + served.Err + serve.Output);
        Assert.Contains("asking it to run them", served.Out, StringComparison.Ordinal);
        Assert.Contains("unique_city", served.Out, StringComparison.Ordinal);

        // A live dataset over the same file is checked in its source: the duplicate city and the lowercase country
        // fail error checks, so the command fails as a publication would have been refused.
        File.WriteAllText(Path.Combine(_dir, "datasets", "cities_live.yaml"),
            File.ReadAllText(Path.Combine(_dir, "datasets", "cities.yaml")).Replace("name: cities", "name: cities_live", StringComparison.Ordinal)
                .Replace("materialization: table", "materialization: live", StringComparison.Ordinal).Replace("schedule: \"0 * * * *\"\n", "", StringComparison.Ordinal));
        await serve.KillAsync();
        var live = await LadleProcess.RunAsync("checks", "run", "--project", _dir, "cities_live");
        Assert.Equal(1, live.ExitCode);
        Assert.Contains("failed (error)", live.Out, StringComparison.Ordinal);
        Assert.Contains("live", live.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_runs_on_the_running_server_as_the_owner_and_answers_as_it_does_locally()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        Assert.Equal(0, (await LadleProcess.RunAsync("materialize", "--project", _dir)).ExitCode);
        const string sql = "select country, count(*) as n from cities group by country order by country";
        var local = await LadleProcess.RunAsync("query", sql, "--project", _dir, "--format", "csv");
        Assert.True(local.ExitCode == 0, local.Out + local.Err);
        var localJson = await LadleProcess.RunAsync("query", sql, "--project", _dir, "--format", "json");

        await using var serve = await ServeProcess.StartAsync(_dir, dev: false);
        var served = await LadleProcess.RunAsync("query", sql, "--project", _dir, "--format", "csv");
        Assert.True(served.ExitCode == 0, served.Out + served.Err + serve.Output);
        Assert.Equal(local.Out, served.Out);
        Assert.Contains("asking it", served.Err, StringComparison.Ordinal);
        Assert.Equal(localJson.Out, (await LadleProcess.RunAsync("query", sql, "--project", _dir, "--format", "json")).Out);
        var table = await LadleProcess.RunAsync("query", sql, "--project", _dir);
        Assert.True(table.ExitCode == 0, table.Out + table.Err);
        Assert.Contains("country", table.Out, StringComparison.Ordinal);
        Assert.Contains("row(s)", table.Out, StringComparison.Ordinal);

        var wrong = await LadleProcess.RunAsync("query", "select nope from cities", "--project", _dir);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("nope", wrong.Err, StringComparison.Ordinal);

        // Nobody else gets there: not without the owner key, not with a wrong one.
        foreach (var key in new string?[] { null, "0123456789abcdef0123456789abcdef" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/sql") { Content = new StringContent(sql) };
            if (key is not null) request.Headers.Add("Ladle-Owner-Key", key);
            using var response = await serve.Http.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
