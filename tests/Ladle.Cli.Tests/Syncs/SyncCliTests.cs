using System.Globalization;
using System.Text;
using System.Text.Json;
using Ladle.Syncs.Tests;

namespace Ladle.Cli.Tests.Syncs;

/// <summary>`ladle sync list|plan|run|history|rejections` through the real `ladle` process, to a real webhook receiver on loopback.</summary>
public sealed class SyncCliTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-cli-sync-" + Guid.NewGuid().ToString("N"));
    private readonly string _variable = "LADLE_TEST_CLI_HOOK_" + Guid.NewGuid().ToString("N");
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        // The child process inherits this process's environment: the sync's URL is a variable, never YAML.
        Environment.SetEnvironmentVariable(_variable, _receiver.Url.ToString());
        Write("ladle.yaml", "name: synccli\nsources:\n  files:\n    kind: files\n    path: data\n");
        Write("datasets/customers.yaml", """
            name: customers
            domain: crm
            source: files
            table: customers.csv
            primary_key: [id]
            columns:
              - { name: id, type: integer }
              - { name: email, type: string, pii: true, mask: hash }
              - { name: score, type: string }
            """);
        Write("access.yaml", """
            roles:
              syncer:
                pii: true
                grants:
                  - { actions: [read, export], domains: [crm] }
            principals:
              crm_sync: { kind: service, roles: [syncer] }
            """);
        Write("syncs/crm.yaml", $"""
            name: crm
            source: {"{"} dataset: customers {"}"}
            principal: crm_sync
            destination: {"{"} kind: webhook, url_env: {_variable}, max_attempts: 1 {"}"}
            key: {"{"} source: id, destination: external_id {"}"}
            fields:
              - email
              - {"{"} source: score, destination: churn_risk, type: double {"}"}
            batch_size: 5
            """);
        Customers(12, changed: -1);
    }

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        await _receiver.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void Customers(int count, int changed)
    {
        var csv = new StringBuilder("id,email,score\n");
        for (var i = 1; i <= count; i++) csv.Append(CultureInfo.InvariantCulture, $"{i},c{i}@example.com,{(i == changed ? 99 : i)}\n");
        Write("data/customers.csv", csv.ToString());
    }

    private Task<(int ExitCode, string Out, string Err)> Ladle(params string[] args) => LadleProcess.RunAsync([.. args, "--project", _dir]);

    [Fact]
    public async Task Plan_prints_an_id_and_run_with_it_applies_that_plan_then_history_and_rejections_show_the_runs()
    {
        Assert.Equal(0, (await Ladle("materialize")).ExitCode);
        var list = await Ladle("sync", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("crm", list.Out, StringComparison.Ordinal);
        Assert.Contains("never", list.Out, StringComparison.Ordinal);

        var plan = await Ladle("sync", "plan", "crm");
        Assert.Equal(0, plan.ExitCode);
        var id = JsonDocument.Parse((await Ladle("sync", "plan", "crm", "--json")).Out).RootElement.GetProperty("id").GetString()!;
        Assert.Contains($"Plan {id}", plan.Out, StringComparison.Ordinal);
        Assert.Contains($"ladle sync run crm --plan {id}", plan.Out, StringComparison.Ordinal);
        Assert.Empty(_receiver.Requests);

        _receiver.Respond = (_, body) => new WebhookReceiver.Answer(200,
            body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()!).Where(k => k == "7").ToList());
        var run = await Ladle("sync", "run", "crm", "--plan", id);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("partial", run.Out, StringComparison.Ordinal);
        Assert.Contains("11 acknowledged, 1 rejected", run.Out, StringComparison.Ordinal);

        var rejections = await Ladle("sync", "rejections", "crm");
        Assert.Equal(0, rejections.ExitCode);
        Assert.Contains("invalid value for this field", rejections.Out, StringComparison.Ordinal);
        Assert.Contains("1 row(s) owed", rejections.Out, StringComparison.Ordinal);

        // Key 2 changes: the plan shows it before and after, and a run of the stale plan id is refused.
        Customers(12, changed: 2);
        Assert.Equal(0, (await Ladle("materialize")).ExitCode);
        var next = await Ladle("sync", "plan", "crm");
        Assert.Contains("{\"email\":\"c2@example.com\",\"churn_risk\":2.0}", next.Out, StringComparison.Ordinal);
        Assert.Contains("{\"email\":\"c2@example.com\",\"churn_risk\":99.0}", next.Out, StringComparison.Ordinal);
        var stale = await Ladle("sync", "run", "crm", "--plan", id);
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("the source moved from version 1 to 2", stale.Err, StringComparison.Ordinal);
        var requests = _receiver.Requests.Count;

        _receiver.Respond = (_, _) => new WebhookReceiver.Answer(200);
        var now = await Ladle("sync", "run", "crm");
        Assert.Equal(0, now.ExitCode);
        Assert.Equal(requests + 1, _receiver.Requests.Count);

        var history = JsonDocument.Parse((await Ladle("sync", "history", "crm", "--json")).Out).RootElement;
        Assert.Equal(["succeeded", "refused", "partial"], history.EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        Assert.Contains("the source moved", history[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        var table = await Ladle("sync", "history", "crm");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("refused", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_sync_is_an_error_that_names_the_known_ones()
    {
        var typo = await Ladle("sync", "history", "crn");
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("no sync 'crn' (did you mean 'crm'?)", typo.Err, StringComparison.Ordinal);
    }
}
