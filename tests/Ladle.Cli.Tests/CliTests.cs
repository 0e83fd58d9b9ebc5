namespace Ladle.Cli.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-cli-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Validate_reports_a_typo_with_file_line_and_column_and_exits_non_zero()
    {
        var init = await LadleProcess.RunAsync("init", _dir);
        Assert.Equal(0, init.ExitCode);
        var dataset = Path.Combine(_dir, "datasets", "cities.yaml");
        File.WriteAllText(dataset, File.ReadAllText(dataset).Replace("owner:", "ownr:", StringComparison.Ordinal));

        var (code, _, err) = await LadleProcess.RunAsync("validate", "--project", _dir);
        Assert.Equal(1, code);
        Assert.Contains("datasets/cities.yaml:3:1: error: unknown key 'ownr' in dataset (did you mean 'owner'?)", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_counts_the_dashboards_in_its_summary()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        Directory.CreateDirectory(Path.Combine(_dir, "models"));
        Directory.CreateDirectory(Path.Combine(_dir, "dashboards"));
        File.WriteAllText(Path.Combine(_dir, "models", "cities.yaml"), """
            dataset: cities
            entities: [ { name: city, type: primary } ]
            dimensions: [ { name: country } ]
            measures: [ { name: people, agg: sum, column: population } ]
            metrics: [ { name: population, measure: people } ]
            """);
        File.WriteAllText(Path.Combine(_dir, "dashboards", "people.yaml"), "tiles:\n  - { kind: kpi, metric: population }\n  - { kind: bar, metric: population, by: country }\n");

        var (code, output, err) = await LadleProcess.RunAsync("validate", "--project", _dir);
        Assert.True(code == 0, output + err);
        // The console may wrap the line where a space was.
        Assert.Contains("1 metric(s), 1 dashboard(s),", System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_then_materialize_then_query_works_on_the_starter_project()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        Assert.Equal(0, (await LadleProcess.RunAsync("validate", "--project", _dir)).ExitCode);
        var materialize = await LadleProcess.RunAsync("materialize", "--project", _dir);
        Assert.True(materialize.ExitCode == 0, materialize.Out + materialize.Err);
        Assert.Contains("published", materialize.Out, StringComparison.Ordinal);
        var query = await LadleProcess.RunAsync("query", "--project", _dir, "--format", "csv", "select city, population from cities where country = 'DE'");
        Assert.Equal(0, query.ExitCode);
        Assert.Equal("city,population\nBerlin,3755251\n", query.Out.ReplaceLineEndings("\n"));
        var refused = await LadleProcess.RunAsync("init", _dir);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("already holds a ladle.yaml", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_names_the_file_line_and_value_of_a_row_that_breaks_the_contract_in_the_owners_build_log()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        File.AppendAllText(Path.Combine(_dir, "data", "cities.csv"), "Atlantis,XX,many\n");

        var (code, output, err) = await LadleProcess.RunAsync("materialize", "--project", _dir);

        Assert.NotEqual(0, code);
        // The table wraps long cells: compare the words, not the layout.
        var words = string.Join(' ', (output + err).Split([' ', '\n', '\r', '│', '|'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("datasets/cities.yaml: column population: value 'many' at data/cities.csv:7 is not an integer", words, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_with_bad_sql_says_what_duckdb_said_and_exits_non_zero()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        var (code, _, err) = await LadleProcess.RunAsync("query", "--project", _dir, "select nope from nowhere");
        Assert.Equal(1, code);
        Assert.Contains("nowhere", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_into_an_existing_empty_folder_generates_and_materializes_and_the_readmes_online_lookup_answers_values()
    {
        Directory.CreateDirectory(_dir);

        var (code, output, err) = await LadleProcess.RunAsync("demo", "--dir", _dir, "--orders", "20000", "--no-serve");

        Assert.True(code == 0, output + err);
        Assert.DoesNotContain("DirectoryNotFound", output + err, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "ladle.yaml")));
        Assert.Contains("Generated", output, StringComparison.Ordinal);

        // The README's lookup, asked now: the factory's climate reaches the time the demo ran, within the 6 h TTL.
        await using var serve = await ServeProcess.StartAsync(_dir);
        using var response = await serve.Http.PostAsync("/api/v1/features/online", new StringContent(
            """{"feature_service": "fabric_quality", "entities": {"batch_id": ["FB-000042"], "warehouse": ["riverside"]}}""", System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var features = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("entities")[0].GetProperty("features");
        foreach (var name in new[] { "fabric", "meters", "temperature_c", "humidity_pct", "humidity_mean_24h" })
            Assert.True(features.GetProperty(name).GetProperty("status").GetString() == "present", $"{name}: {features.GetProperty(name)}");
    }

    [Fact]
    public async Task Every_command_that_reads_state_opens_the_store_that_ladle_yaml_names()
    {
        Assert.Equal(0, (await LadleProcess.RunAsync("init", _dir)).ExitCode);
        File.AppendAllText(Path.Combine(_dir, "ladle.yaml"), "\nstate:\n  kind: sqlite\n  path: records/state.db\n");
        File.WriteAllText(Path.Combine(_dir, "access.yaml"), "roles:\n  ops:\n    admin: true\nprincipals:\n  opsbot: { kind: service, roles: [ops] }\n");
        async Task<string> Ok(params string[] args)
        {
            var (code, output, error) = await LadleProcess.RunAsync([.. args, "--project", _dir]);
            Assert.True(code == 0, $"ladle {string.Join(' ', args)}: {output}{error}");
            return output + error;
        }

        Assert.Contains("published", await Ok("materialize"), StringComparison.Ordinal);
        var created = await Ok("tokens", "create", "--principal", "opsbot");
        var id = created.Split('_')[1];
        Assert.Contains(id, await Ok("tokens", "list"), StringComparison.Ordinal);
        Assert.Contains($"revoked {id}", await Ok("tokens", "revoke", id), StringComparison.Ordinal);
        Assert.Contains("published", await Ok("versions", "cities"), StringComparison.Ordinal);
        Assert.Contains("cities", await Ok("status"), StringComparison.Ordinal);
        Assert.Contains("Grants not used", await Ok("access", "report"), StringComparison.Ordinal);
        await Ok("audit");
        Assert.Contains("already knows all 1 version(s)", await Ok("recover"), StringComparison.Ordinal);

        Assert.True(File.Exists(Path.Combine(_dir, "records", "state.db")));
        Assert.False(File.Exists(Path.Combine(_dir, ".ladle", "state.db")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
