using System.Globalization;
using System.Text;
using Ladle.Engine.Checks;
using Ladle.Engine.State;

namespace Ladle.Engine.Tests;

public sealed class CheckTests
{
    /// <summary>
    /// 100 people: ids 1..97 and 98 three times (3 rows share an id); one null email and two malformed; four
    /// 'XX' countries that countries.csv lacks; scores 0..96 plus 100, 150, 200 and -1; updated within the hour.
    /// </summary>
    private static TestProject PeopleProject(string checks, int rows = 100, string materialization = "table")
    {
        var p = new TestProject("");
        var now = DateTime.UtcNow;
        var csv = new StringBuilder("id,email,country,score,updated_at\n");
        for (var i = 1; i <= rows; i++)
        {
            var id = Math.Min(i, 98);
            var email = i == 5 ? "" : i is 6 or 7 ? "not-an-email" : $"p{i}@example.com";
            var country = i <= 4 ? "XX" : i % 2 == 0 ? "PT" : "DE";
            var score = i switch { 97 => 100, 98 => 150, 99 => 200, 100 => -1, _ => i - 1 };
            csv.Append(CultureInfo.InvariantCulture, $"{id},{email},{country},{score},{now.AddMinutes(-10 - i):yyyy-MM-dd HH:mm:ss}\n");
        }
        p.Write("data/people.csv", csv.ToString());
        p.Write("data/countries.csv", "code,name\nPT,Portugal\nDE,Germany\nFR,France\n");
        p.Dataset("countries", "source: files\ntable: countries.csv\n");
        p.Dataset("people", $"""
            source: files
            table: people.csv
            materialization: {materialization}
            columns:
              - name: id
                type: integer
              - name: email
                type: string
              - name: country
                type: string
              - name: score
                type: integer
              - name: updated_at
                type: timestamp
            checks:
            {checks}
            """);
        return p;
    }

    private static async Task<IReadOnlyList<CheckResult>> PublishAndCheckAsync(TestProject p)
    {
        await using var engine = await p.OpenAsync();
        var results = await engine.Publisher.MaterializeAsync(["people"], "test", null, CancellationToken.None);
        var people = results.Single(r => r.Dataset == "people");
        Assert.True(people.Published, people.Error);
        return people.Checks;
    }

    private static CheckResult Named(IReadOnlyList<CheckResult> results, string name) => results.Single(r => r.Check == name);

    [Fact]
    public async Task Row_checks_count_failing_rows_and_judge_thresholds_at_the_edge()
    {
        using var p = PeopleProject("""
              - { name: email_present, type: not_null, column: email, severity: warn }
              - { name: email_present_1, type: not_null, column: email, threshold: 1, severity: warn }
              - { name: email_present_1pct, type: not_null, column: email, threshold: 1%, severity: warn }
              - { name: email_present_099pct, type: not_null, column: email, threshold: 0.99%, severity: warn }
              - { name: id_unique, type: unique, column: id, severity: warn }
              - { name: id_email_unique, type: unique, columns: [id, email], severity: warn }
              - { name: known_country, type: accepted_values, column: country, values: [PT, DE], severity: warn }
              - { name: known_country_4, type: accepted_values, column: country, values: [PT, DE], threshold: 4, severity: warn }
              - { name: score_range, type: range, column: score, min: 0, max: 100, severity: warn }
              - { name: score_range_exclusive, type: range, column: score, min: 0, max: 100, inclusive: false, severity: warn }
              - { name: email_format, type: regex, column: email, format: email, severity: warn }
              - { name: country_exists, type: relationships, column: country, to: countries, field: code, severity: warn }
              - { name: no_huge_scores, type: sql, sql: "select * from {{ this }} where score > 100", severity: warn }
              - { name: no_huge_scores_2, type: sql, sql: "select * from {{ this }} where score > 100", threshold: 2, severity: warn }
            """);
        var results = await PublishAndCheckAsync(p);

        void Expect(string name, CheckOutcome outcome, long failing)
        {
            var r = Named(results, name);
            Assert.True(outcome == r.Outcome, $"{name}: expected {outcome}, got {r.Outcome}: {r.Message}");
            Assert.Equal(failing, r.FailingRows);
            Assert.Equal(100, r.TotalRows);
        }

        Expect("email_present", CheckOutcome.Failed, 1);
        Expect("email_present_1", CheckOutcome.Passed, 1);       // 1 failing, 1 allowed
        Expect("email_present_1pct", CheckOutcome.Passed, 1);    // 1% failing, 1% allowed
        Expect("email_present_099pct", CheckOutcome.Failed, 1);  // 1% failing, 0.99% allowed
        Expect("id_unique", CheckOutcome.Failed, 3);
        Expect("id_email_unique", CheckOutcome.Passed, 0);
        Expect("known_country", CheckOutcome.Failed, 4);
        Expect("known_country_4", CheckOutcome.Passed, 4);
        Expect("score_range", CheckOutcome.Failed, 3);           // 150, 200, -1; 100 is inside
        Expect("score_range_exclusive", CheckOutcome.Failed, 5); // and 100 and 0 on the bounds
        Expect("email_format", CheckOutcome.Failed, 2);          // the null is not_null's business
        Expect("country_exists", CheckOutcome.Failed, 4);
        Expect("no_huge_scores", CheckOutcome.Failed, 2);
        Expect("no_huge_scores_2", CheckOutcome.Passed, 2);

        // The owner gets the failing rows.
        Assert.Contains("not-an-email", Named(results, "email_format").Sample, StringComparison.Ordinal);
        Assert.Contains("\"occurrences\":3", Named(results, "id_unique").Sample, StringComparison.Ordinal);
        Assert.Contains("\"email\":null", Named(results, "email_present").Sample, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Table_checks_judge_row_counts_and_freshness()
    {
        using var p = PeopleProject("""
              - { name: exactly_100, type: row_count, min: 100, max: 100, severity: warn }
              - { name: more_than_100, type: row_count, min: 101, severity: warn }
              - { name: fresh_hour, type: freshness, column: updated_at, max_age: 1h, severity: warn }
              - { name: fresh_5m, type: freshness, column: updated_at, max_age: 5m, severity: warn }
              - { name: published_recently, type: freshness, max_age: 1m, severity: warn }
              - { name: contract, type: schema, allow_extra_columns: false, severity: warn }
            """);
        var results = await PublishAndCheckAsync(p);
        Assert.Equal(CheckOutcome.Passed, Named(results, "exactly_100").Outcome);
        Assert.Equal(CheckOutcome.Failed, Named(results, "more_than_100").Outcome);
        Assert.Equal(100, Named(results, "more_than_100").Observed);
        Assert.Equal(CheckOutcome.Passed, Named(results, "fresh_hour").Outcome);
        var stale = Named(results, "fresh_5m");
        Assert.Equal(CheckOutcome.Failed, stale.Outcome);
        Assert.InRange(stale.Observed!.Value, 10 * 60, 30 * 60);
        Assert.Equal(CheckOutcome.Passed, Named(results, "published_recently").Outcome);
        Assert.Equal(CheckOutcome.Passed, Named(results, "contract").Outcome);
    }

    [Fact]
    public async Task Schema_check_on_a_live_source_names_missing_mistyped_and_extra_columns()
    {
        using var p = PeopleProject("  - { name: contract, type: schema, allow_extra_columns: false }", materialization: "live");
        p.Write("data/people.csv", "id,email,country,score,updated_at,extra\nx,a@b.c,PT,1,2026-01-01 00:00:00,1\n");
        p.Dataset("people", File.ReadAllText(p.PathOf("datasets/people.yaml")).Replace("name: people\n", "", StringComparison.Ordinal)
            .Replace("  - name: email\n    type: string\n", "  - name: email\n    type: string\n  - name: phone\n    type: string\n", StringComparison.Ordinal));
        await using var engine = await p.OpenAsync();
        var people = engine.GetDataset("people");
        var results = await engine.Checks.RunAsync(people, new CheckTarget(engine.ConnectorFor(people), engine.ConnectorFor(people).Relation(people), null, null), CancellationToken.None);
        var contract = Assert.Single(results);
        Assert.Equal(CheckOutcome.Failed, contract.Outcome);
        Assert.Contains("column 'id' is string, declared integer", contract.Message, StringComparison.Ordinal);
        Assert.Contains("column 'phone' is missing", contract.Message, StringComparison.Ordinal);
        Assert.Contains("column 'extra' is not declared", contract.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anomaly_check_waits_for_history_then_flags_a_drop_in_rows()
    {
        using var p = PeopleProject("  - { name: volume, type: anomaly, metric: row_count, max_change: 50%, min_history: 3, severity: error }");
        await using var engine = await p.OpenAsync();
        for (var i = 0; i < 3; i++)
        {
            var result = (await engine.Publisher.MaterializeAsync(["people"], "test", null, CancellationToken.None)).Single(r => r.Dataset == "people");
            Assert.True(result.Published, result.Error);
            Assert.Equal(CheckOutcome.Skipped, Named(result.Checks, "volume").Outcome);
        }
        var normal = (await engine.Publisher.MaterializeAsync(["people"], "test", null, CancellationToken.None)).Single(r => r.Dataset == "people");
        Assert.Equal(CheckOutcome.Passed, Named(normal.Checks, "volume").Outcome);

        // A batch with a fifth of the usual rows is stopped before anyone reads it.
        var lines = File.ReadAllLines(p.PathOf("data/people.csv"));
        File.WriteAllLines(p.PathOf("data/people.csv"), lines.Take(21));
        var dropped = (await engine.Publisher.MaterializeAsync(["people"], "test", null, CancellationToken.None)).Single(r => r.Dataset == "people");
        Assert.True(dropped.Quarantined);
        var volume = Named(dropped.Checks, "volume");
        Assert.Equal(CheckOutcome.Failed, volume.Outcome);
        Assert.Contains("80% from the mean (allowed 50%)", volume.Message, StringComparison.Ordinal);
        Assert.Equal(4, engine.Catalog.Current("people")!.Version);
    }

    [Fact]
    public async Task Error_check_quarantines_the_version_and_keeps_the_last_good_one_served()
    {
        using var p = PeopleProject("  - { name: id_unique, type: unique, column: id }", rows: 90);
        await using var engine = await p.OpenAsync();
        Assert.True((await engine.Publisher.MaterializeAsync(["people"], "test", null, CancellationToken.None)).Single(r => r.Dataset == "people").Published);

        using var bad = PeopleProject("", rows: 100);
        File.Copy(bad.PathOf("data/people.csv"), p.PathOf("data/people.csv"), overwrite: true);
        var result = (await engine.Publisher.MaterializeAsync(["people"], "test", null, CancellationToken.None)).Single(r => r.Dataset == "people");
        Assert.False(result.Published);
        Assert.True(result.Quarantined);
        Assert.Contains("id_unique", result.Error, StringComparison.Ordinal);

        Assert.Equal(1, engine.Catalog.Current("people")!.Version);
        Assert.Equal(90, (await TestProject.RowsAsync(engine, "people")).Count);
        var health = engine.Trust.Evaluate(engine.GetDataset("people"), engine.Catalog.Current("people"));
        Assert.Equal(Trust.DataStatus.Failed, health.Status);
        Assert.Contains("version 2 was quarantined", health.Reason, StringComparison.Ordinal);
        var versions = await engine.State.ListVersionsAsync("people", 10, CancellationToken.None);
        Assert.Equal(VersionStatus.Quarantined, versions[0].Status);

        // The quarantined version stays inspectable.
        var inspected = await TestProject.RowsAsync(engine, "people", new Core.Queries.RowsQuery { Dataset = "people", PinnedVersion = 2 });
        Assert.Equal(100, inspected.Count);
    }

    [Fact]
    public async Task Check_that_cannot_run_is_an_error_that_blocks_publication()
    {
        using var p = PeopleProject("  - { name: broken_sql, type: sql, sql: \"select * from {{ this }} where no_such_column > 1\" }");
        await using var engine = await p.OpenAsync();
        var phases = new PhaseLog();
        var result = (await engine.Publisher.MaterializeAsync(["people"], "test", phases, CancellationToken.None)).Single(r => r.Dataset == "people");
        Assert.True(result.Quarantined);
        // The last report of a quarantined build is final, so a progress bar on it stops.
        var last = phases.Reports.Last(r => r.Dataset == "people");
        Assert.Equal("quarantined", last.Phase);
        Assert.True(last.IsFinal);
        Assert.All(phases.Reports.SkipLast(1), r => Assert.False(r.IsFinal));
        var broken = Named(result.Checks, "broken_sql");
        Assert.Equal(CheckOutcome.Error, broken.Outcome);
        Assert.Contains("no_such_column", broken.Message, StringComparison.Ordinal);
    }

    /// <summary>Keeps every progress report in order, on the reporting thread.</summary>
    private sealed class PhaseLog : IProgress<MaterializeProgress>
    {
        private readonly List<MaterializeProgress> _reports = [];

        public IReadOnlyList<MaterializeProgress> Reports { get { lock (_reports) return [.. _reports]; } }

        public void Report(MaterializeProgress value) { lock (_reports) _reports.Add(value); }
    }
}
