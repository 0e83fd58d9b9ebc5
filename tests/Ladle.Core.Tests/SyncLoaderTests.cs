using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model.Syncs;

namespace Ladle.Core.Tests;

/// <summary>syncs/*.yaml: a good sync loads; every mistake is reported, all at once, at its file:line:column with a hint.</summary>
public sealed class SyncLoaderTests
{
    private static TempProject Project(string sync) => new TempProject()
        .Write("ladle.yaml", TempProject.MinimalProject)
        .Write("datasets/customers.yaml", """
            name: customers
            source: files
            table: customers.csv
            columns:
              - { name: id, type: integer }
              - { name: score, type: string }
            """)
        .Write("access.yaml", "roles:\n  syncer:\n    grants:\n      - { actions: [read], datasets: [customers] }\nprincipals:\n  crm_sync: { kind: service, roles: [syncer] }\n")
        .Write("syncs/crm.yaml", sync);

    [Fact]
    public void A_sync_loads_with_its_source_destination_key_fields_mode_and_schedule()
    {
        using var p = Project("""
            name: crm
            source: { dataset: customers, filters: ["score=gt:1"] }
            principal: crm_sync
            destination: { kind: postgres, connection_env: CRM_PG, table: crm.contacts }
            key: { source: id, destination: external_id }
            fields:
              - { source: score, destination: churn_risk, type: double }
            mode: mirror
            schedule: "0 2 * * *"
            thresholds: { max_reject_rate: 5%, max_delete_share: 10% }
            """);
        var sync = Assert.Single(ProjectLoader.Load(p.Root).Syncs);
        Assert.Equal(("crm", "customers", "crm_sync", SyncMode.Mirror, "0 2 * * *"), (sync.Name, sync.Dataset, sync.Principal, sync.Mode, sync.Schedule));
        Assert.Equal(("CRM_PG", "crm.contacts"), (sync.Destination.ConnectionEnv, sync.Destination.Table));
        Assert.Equal(("churn_risk", Model.LadleType.Double), (sync.Fields[0].Destination, sync.Fields[0].Type!.Value));
        Assert.Equal((0.05, 0.1), (sync.Thresholds.MaxRejectRate, sync.Thresholds.MaxDeleteShare));
        Assert.Equal(["score=gt:1"], sync.Filters);
        // A PostgreSQL table takes a batch by COPY: large batches by default.
        Assert.Equal(50_000, sync.BatchSize);
    }

    [Fact]
    public void A_postgres_sync_takes_batches_of_up_to_100000_rows_and_one_over_http_up_to_10000()
    {
        const string Rest = "principal: crm_sync\nkey: { source: id, destination: external_id }\nfields: [score]\n";
        using (var p = Project("name: crm\nsource: { dataset: customers }\ndestination: { kind: postgres, connection_env: CRM_PG, table: contacts }\n" + Rest + "batch_size: 100000\n"))
            Assert.Equal(100_000, Assert.Single(ProjectLoader.Load(p.Root).Syncs).BatchSize);
        using (var p = Project("name: crm\nsource: { dataset: customers }\ndestination: { kind: webhook, url_env: CRM_HOOK }\n" + Rest + "batch_size: 50000\n"))
        {
            var e = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));
            var d = Assert.Single(e.Diagnostics);
            Assert.Contains("'batch_size' must be a whole number from 1 to 10000, not '50000'", d.Message, StringComparison.Ordinal);
            Assert.Equal(new SourceLocation("syncs/crm.yaml", 7, 13), d.Location);
        }
    }

    [Fact]
    public void Every_mistake_of_a_sync_is_reported_at_its_file_line_and_column()
    {
        using var p = Project("""
            name: crm
            source: { dataset: customer }
            principal: crm_synk
            destination: { kind: webhook, url_env: "https://hooks.example.com/x" }
            key: { source: id, destination: external_id }
            fields:
              - { source: scor, destination: churn_risk, type: dubble }
            mode: merge
            schedule: "every night"
            thresholds: { max_reject_rate: lots }
            colour: blue
            """);
        var e = Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));
        void At(string message, int line, int column)
        {
            var d = Assert.Single(e.Diagnostics, d => d.Message.Contains(message, StringComparison.Ordinal));
            Assert.Equal(new SourceLocation("syncs/crm.yaml", line, column), d.Location);
        }
        At("reads unknown dataset 'customer'", 2, 20);
        At("reads as unknown principal 'crm_synk'", 3, 12);
        At("'url_env' must name an environment variable, not hold a secret", 4, 40);
        At("unknown mode 'merge'", 8, 7);
        At("schedule 'every night' is not a valid cron expression", 9, 11);
        At("'max_reject_rate' is 'lots', not a percentage", 10, 32);
        At("unknown key 'colour'", 11, 1);
        Assert.Contains(e.Diagnostics, d => d.Message.Contains("unknown type 'dubble'", StringComparison.Ordinal) && d.Location.Line == 7);
        // The message a user sees names the file, line and column of each.
        Assert.Contains("syncs/crm.yaml:3:12", e.Message, StringComparison.Ordinal);
    }
}
