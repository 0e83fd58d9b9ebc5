using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;

namespace Ladle.Core.Tests;

public sealed class ProjectLoaderTests
{
    private static ProjectValidationException Fails(TempProject project) =>
        Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(project.Root));

    [Fact]
    public void Valid_project_loads_with_sources_datasets_and_columns()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject).Write("datasets/orders.yaml", """
            name: orders
            domain: retail
            owner: data@example.com
            description: One row per order.
            source: files
            table: orders/*.parquet
            materialization: table
            schedule: "0 * * * *"
            primary_key: [order_id]
            columns:
              - name: order_id
                type: bigint
              - name: email
                type: text
                pii: true
            """);
        var project = ProjectLoader.Load(p.Root);
        Assert.Equal("test", project.Name);
        Assert.Equal(SourceKind.Sqlite, project.Sources["crm"].Kind);
        var orders = Assert.Single(project.Datasets);
        Assert.Equal(Materialization.Table, orders.Materialization);
        Assert.Equal(LadleType.Integer, orders.Columns[0].Type);
        Assert.True(orders.Columns[1].Pii);
        Assert.Equal(["order_id"], orders.PrimaryKey);
        Assert.Equal(Path.Combine(p.Root, "data"), project.Sources["files"].Path);
    }

    [Fact]
    public void Typo_in_a_key_names_file_line_and_column_and_suggests_the_key()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject).Write("datasets/orders.yaml", """
            name: orders
            source: files
            tabel: orders.csv
            """);
        var e = Fails(p);
        var typo = Assert.Single(e.Diagnostics, d => d.Message.Contains("unknown key 'tabel'", StringComparison.Ordinal));
        Assert.Equal(new SourceLocation("datasets/orders.yaml", 3, 1), typo.Location);
        Assert.Contains("did you mean 'table'?", typo.Hint, StringComparison.Ordinal);
        Assert.StartsWith("datasets/orders.yaml:3:1: error: unknown key 'tabel'", typo.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_not_just_the_first()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", """
                name: a
                source: nowhere
                table: a.csv
                materialization: sometimes
                columns:
                  - name: id
                    type: uuid
                """)
            .Write("datasets/b.yaml", """
                name: b
                source: files
                table: b.csv
                schedule: "every hour"
                """);
        var e = Fails(p);
        Assert.Contains(e.Diagnostics, d => d.Message.Contains("unknown source 'nowhere'", StringComparison.Ordinal) && d.Location == new SourceLocation("datasets/a.yaml", 2, 9));
        Assert.Contains(e.Diagnostics, d => d.Message.Contains("unknown materialization 'sometimes'", StringComparison.Ordinal) && d.Location.Line == 4);
        Assert.Contains(e.Diagnostics, d => d.Message.Contains("unknown column type 'uuid'", StringComparison.Ordinal) && d.Location == new SourceLocation("datasets/a.yaml", 7, 11));
        Assert.Contains(e.Diagnostics, d => d.Message.Contains("not a valid cron expression", StringComparison.Ordinal) && d.Location.File == "datasets/b.yaml");
        Assert.True(e.Diagnostics.Count >= 4);
    }

    [Theory]
    [InlineData("metrics")]
    [InlineData("Metrics")]
    public void A_domain_named_metrics_is_refused_where_it_is_written_since_sql_reads_metric_relations_there(string domain)
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/kpis.yaml", $"name: kpis\nsource: files\ntable: kpis.csv\ndomain: {domain}\n");
        var e = Fails(p);
        var d = Assert.Single(e.Diagnostics);
        Assert.Equal(new SourceLocation("datasets/kpis.yaml", 4, 9), d.Location);
        Assert.Contains($"domain '{domain}' is reserved", d.Message, StringComparison.Ordinal);
        Assert.Contains("metrics.orders", d.Message, StringComparison.Ordinal);
        Assert.Contains("choose another domain name", d.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_dataset_names_point_at_both_definitions()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", "name: orders\nsource: files\ntable: a.csv\n")
            .Write("datasets/b.yaml", "name: Orders\nsource: files\ntable: b.csv\n");
        var e = Fails(p);
        var d = Assert.Single(e.Diagnostics);
        Assert.Equal("datasets/b.yaml", d.Location.File);
        Assert.Contains("already defined at datasets/a.yaml:1:1", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dependency_cycle_is_named_in_full()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", "name: a\nsql: select * from b\n")
            .Write("datasets/b.yaml", "name: b\nsql: select * from c\n")
            .Write("datasets/c.yaml", "name: c\nsql: select * from a\n");
        var e = Fails(p);
        var cycle = Assert.Single(e.Diagnostics);
        Assert.Contains("a -> b -> c -> a", cycle.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dependencies_are_inferred_from_sql_and_datasets_come_in_dependency_order()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a_summary.yaml", "name: a_summary\nsql: |\n  select region, count(*) from orders o join customers c on o.cid = c.id group by 1\n")
            .Write("datasets/customers.yaml", "name: customers\nsource: crm\ntable: customers\n")
            .Write("datasets/orders.yaml", "name: orders\nsource: files\ntable: orders.csv\n");
        var project = ProjectLoader.Load(p.Root);
        var names = project.Datasets.Select(d => d.Name).ToList();
        Assert.True(names.IndexOf("a_summary") > names.IndexOf("orders"));
        Assert.True(names.IndexOf("a_summary") > names.IndexOf("customers"));
        Assert.Equal(["customers", "orders"], project.FindDataset("a_summary")!.DependsOn.Order());
    }

    [Fact]
    public void Unknown_depends_on_is_reported_where_it_is_written()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", "name: a\nsource: files\ntable: a.csv\ndepends_on:\n  - orderz\n");
        var d = Assert.Single(Fails(p).Diagnostics);
        Assert.Equal(new SourceLocation("datasets/a.yaml", 5, 5), d.Location);
        Assert.Contains("unknown dataset 'orderz'", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Derived_sql_over_a_live_database_dataset_is_refused_with_the_fix()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/customers.yaml", "name: customers\nsource: crm\ntable: customers\nmaterialization: live\n")
            .Write("datasets/vip.yaml", "name: vip\nsql: select * from customers where vip\n");
        var d = Assert.Single(Fails(p).Diagnostics);
        Assert.Contains("materialization: table", d.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_yaml_reports_the_position_of_the_syntax_error()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", "name: a\nsource: files\ntable: [unclosed\n");
        var d = Assert.Single(Fails(p).Diagnostics);
        Assert.Equal("datasets/a.yaml", d.Location.File);
        Assert.True(d.Location.Line >= 3);
        Assert.StartsWith("invalid YAML", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_source_refuses_a_connection_string_in_yaml()
    {
        using var p = new TempProject().Write("ladle.yaml", """
            name: test
            sources:
              warehouse:
                kind: postgres
                connection_env: Host=db;Password=secret
            """);
        var d = Assert.Single(Fails(p).Diagnostics);
        Assert.Contains("must name an environment variable", d.Message, StringComparison.Ordinal);
        Assert.Equal(5, d.Location.Line);
    }

    [Theory]
    [InlineData("state: elsewhere/state.db\n")]
    [InlineData("state:\n  kind: sqlite\n  path: elsewhere/state.db\n")]
    public void State_is_a_path_or_a_kind_with_its_settings(string state)
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\n" + state);
        var project = ProjectLoader.Load(p.Root);
        Assert.Equal(StateKind.Sqlite, project.State.Kind);
        Assert.Equal(Path.Combine(p.Root, "elsewhere", "state.db"), project.StatePath);
    }

    [Fact]
    public void State_without_settings_is_sqlite_under_the_ladle_folder()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\nstate:\n  kind: sqlite\n");
        var project = ProjectLoader.Load(p.Root);
        Assert.Equal(StateKind.Sqlite, project.State.Kind);
        Assert.Equal(Path.Combine(p.Root, ".ladle", "state.db"), project.StatePath);
    }

    [Fact]
    public void Unknown_state_kind_or_key_is_named_where_it_is_written()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\nstate:\n  kind: redis\n  paht: x.db\n");
        var e = Fails(p);
        var kind = Assert.Single(e.Diagnostics, d => d.Message == "unknown state kind 'redis'");
        Assert.Equal(new SourceLocation("ladle.yaml", 10, 9), kind.Location);
        Assert.Equal("expected one of: sqlite, postgres", kind.Hint);
        var key = Assert.Single(e.Diagnostics, d => d.Message == "unknown key 'paht' in state");
        Assert.Equal(new SourceLocation("ladle.yaml", 11, 3), key.Location);
    }

    [Fact]
    public void A_postgres_state_names_the_variable_holding_its_connection_string_and_a_schema()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\nstate:\n  kind: postgres\n  connection_env: LADLE_STATE_PG\n  schema: team_a\n");
        var project = ProjectLoader.Load(p.Root);
        Assert.Equal((StateKind.Postgres, "LADLE_STATE_PG", "team_a"), (project.State.Kind, project.State.ConnectionEnv, project.State.Schema));
        Assert.Equal(new SourceLocation("ladle.yaml", 10, 3), project.State.Location);
    }

    [Theory]
    [InlineData("  kind: postgres\n", "a postgres state needs 'connection_env'", 10, 3)]
    [InlineData("  kind: postgres\n  connection_env: Host=db;Password=x\n", "'connection_env' must name an environment variable, not hold a connection string", 11, 19)]
    [InlineData("  kind: postgres\n  connection_env: LADLE_STATE_PG\n  schema: Team-A\n", "state schema 'Team-A' is not a plain identifier", 12, 11)]
    [InlineData("  kind: postgres\n  connection_env: LADLE_STATE_PG\n  path: x.db\n", "'path' does not apply to a postgres state", 12, 9)]
    [InlineData("  kind: sqlite\n  connection_env: LADLE_STATE_PG\n", "'connection_env' applies only to 'kind: postgres'", 11, 19)]
    public void A_wrong_postgres_state_is_named_where_it_is_written(string settings, string message, int line, int column)
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\nstate:\n" + settings);
        var d = Assert.Single(Fails(p).Diagnostics);
        Assert.StartsWith(message, d.Message, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation("ladle.yaml", line, column), d.Location);
        Assert.DoesNotContain("Password=x", d.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Shared_version_storage_is_a_folder_resolved_against_the_project()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject +
            "\nstate:\n  kind: postgres\n  connection_env: LADLE_STATE_PG\nstorage:\n  kind: folder\n  path: ../shared-versions\n");
        var project = ProjectLoader.Load(p.Root);
        Assert.Equal(VersionStorageKind.Folder, project.Storage.Kind);
        Assert.Equal(Path.GetFullPath(Path.Combine(p.Root, "..", "shared-versions")), project.Storage.Path);
        Assert.Equal(new SourceLocation("ladle.yaml", 13, 3), project.Storage.Location);
        Assert.Equal(VersionStorageKind.Local, ProjectLoader.Load(new TempProject().Write("ladle.yaml", TempProject.MinimalProject).Root).Storage.Kind);
    }

    [Theory]
    [InlineData("state:\n  kind: postgres\n  connection_env: LADLE_STATE_PG\nstorage:\n  kind: s3\n  path: x\n", "unknown storage kind 's3'", 13, 9)]
    [InlineData("state:\n  kind: postgres\n  connection_env: LADLE_STATE_PG\nstorage:\n  kind: folder\n", "storage has no 'path'", 13, 3)]
    [InlineData("storage:\n  kind: folder\n  path: shared\n", "'storage: { kind: folder }' shares versions between nodes, which needs their state shared too", 10, 3)]
    [InlineData("storage:\n  kind: local\n  path: shared\n", "'path' applies only to 'kind: folder'", 11, 9)]
    [InlineData("storage: /mnt/shared\n", "'storage' in ladle.yaml must be a mapping", 9, 10)]
    public void A_wrong_storage_is_named_where_it_is_written(string settings, string message, int line, int column)
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\n" + settings);
        var d = Assert.Single(Fails(p).Diagnostics);
        Assert.StartsWith(message, d.Message, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation("ladle.yaml", line, column), d.Location);
    }

    [Fact]
    public void Missing_project_file_says_how_to_start_one()
    {
        using var p = new TempProject();
        var d = Assert.Single(Fails(p).Diagnostics);
        Assert.Contains("ladle init", d.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_table_may_not_leave_the_source_folder()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", "name: a\nsource: files\ntable: ../../etc/passwd\n");
        Assert.Contains("leaves the folder", Assert.Single(Fails(p).Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void On_bad_rows_defaults_to_fail_and_reads_as_a_word_or_as_reject_with_its_check_tuned()
    {
        const string Columns = "columns:\n  - name: id\n    type: integer\n";
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", "name: a\nsource: files\ntable: a.csv\n" + Columns)
            .Write("datasets/b.yaml", "name: b\nsource: files\ntable: b.csv\non_bad_rows: quarantine\n" + Columns)
            .Write("datasets/c.yaml", "name: c\nsource: files\ntable: c.csv\non_bad_rows:\n  action: reject\n  threshold: 2%\n  severity: error\n" + Columns);
        var datasets = ProjectLoader.Load(p.Root).Datasets.ToDictionary(d => d.Name);
        Assert.Equal(BadRowsPolicy.Fail, datasets["a"].BadRows);
        Assert.Equal(new BadRowsPolicy { Action = OnBadRows.Quarantine, Severity = CheckSeverity.Error }, datasets["b"].BadRows);
        Assert.Equal(new BadRowsPolicy { Action = OnBadRows.Reject, Severity = CheckSeverity.Error, Threshold = new Threshold(0.02, true) }, datasets["c"].BadRows);
    }

    [Fact]
    public void On_bad_rows_is_validated_where_it_is_written()
    {
        const string Columns = "columns:\n  - name: id\n    type: integer\n";
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", "name: a\nsource: files\ntable: a.csv\non_bad_rows: skip\n" + Columns)
            .Write("datasets/b.yaml", "name: b\nsource: crm\ntable: b\non_bad_rows: reject\n" + Columns)
            .Write("datasets/c.yaml", "name: c\nsource: files\ntable: c.csv\non_bad_rows: reject\n")
            .Write("datasets/d.yaml", "name: d\nsource: files\ntable: d.csv\non_bad_rows:\n  action: quarantine\n  threshold: 5\n" + Columns)
            .Write("datasets/e.yaml", "name: e\nsource: files\ntable: e.csv\nchecks:\n  - type: bad_rows\n" + Columns);
        var diagnostics = Fails(p).Diagnostics;
        Assert.Equal(5, diagnostics.Count);
        var unknown = Assert.Single(diagnostics, d => d.Location.File == "datasets/a.yaml");
        Assert.Equal((new SourceLocation("datasets/a.yaml", 4, 14), "unknown on_bad_rows 'skip'"), (unknown.Location, unknown.Message));
        Assert.Equal("expected one of: fail, quarantine, reject", unknown.Hint);
        Assert.Contains("come typed by the database", Assert.Single(diagnostics, d => d.Location.File == "datasets/b.yaml").Hint, StringComparison.Ordinal);
        Assert.Contains("declare 'columns:'", Assert.Single(diagnostics, d => d.Location.File == "datasets/c.yaml").Hint, StringComparison.Ordinal);
        var tuned = Assert.Single(diagnostics, d => d.Location.File == "datasets/d.yaml");
        Assert.Equal(6, tuned.Location.Line);
        Assert.Contains("tune on_bad_rows: reject, not quarantine", tuned.Message, StringComparison.Ordinal);
        Assert.Contains("is built in and cannot be declared", Assert.Single(diagnostics, d => d.Location.File == "datasets/e.yaml").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Live_dataset_with_a_schedule_is_refused()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", "name: a\nsource: crm\ntable: a\nmaterialization: live\nschedule: '0 * * * *'\n");
        Assert.Contains("cannot have a schedule", Assert.Single(Fails(p).Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Primary_key_must_name_declared_columns()
    {
        using var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject)
            .Write("datasets/a.yaml", "name: a\nsource: crm\ntable: a\nprimary_key: [idd]\ncolumns:\n  - name: id\n    type: integer\n");
        var d = Assert.Single(Fails(p).Diagnostics);
        Assert.Contains("did you mean 'id'?", d.Hint, StringComparison.Ordinal);
    }
}
