using System.Text.Json;
using Ladle.Cli.Demo;
using Ladle.Server.Emulators;

namespace Ladle.Cli.Tests;

/// <summary>
/// The demo's reverse-ETL sync as a newcomer meets it: a small demo generated and materialized by `ladle demo`, the
/// CRM emulator the demo serves beside it, then `ladle sync plan`, `ladle sync run` and a second run that sends nothing.
/// </summary>
public sealed class DemoCrmSyncTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ladle-demo-crm-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_demo_crm_sync_plans_runs_and_a_second_run_sends_nothing()
    {
        var demo = await LadleProcess.RunAsync("demo", "--dir", _dir, "--orders", "20000", "--no-serve");
        Assert.True(demo.ExitCode == 0, demo.Out + demo.Err);
        await using var crm = await HubSpotEmulator.StartAsync(new HubSpotEmulatorOptions { Token = "demo-token", WindowLimit = 190 });
        var environment = new Dictionary<string, string> { [DemoCrm.UrlVariable] = crm.BaseUrl.ToString(), [DemoCrm.TokenVariable] = "demo-token" };

        var planned = await LadleProcess.RunAsync(environment, "sync", "plan", DemoCrm.Sync, "-p", _dir, "--json");
        Assert.True(planned.ExitCode == 0, planned.Out + planned.Err);
        using var plan = JsonDocument.Parse(planned.Out);
        var creates = plan.RootElement.GetProperty("counts").GetProperty("creates").GetInt64();
        Assert.True(creates > 10, planned.Out);
        Assert.Equal(0, plan.RootElement.GetProperty("counts").GetProperty("refused").GetInt64());
        Assert.Equal(0, crm.Requests);

        var ran = await LadleProcess.RunAsync(environment, "sync", "run", DemoCrm.Sync, "-p", _dir, "--json");
        Assert.True(ran.ExitCode == 0, ran.Out + ran.Err);
        using var run = JsonDocument.Parse(ran.Out);
        Assert.Equal(creates, run.RootElement.GetProperty("acknowledged").GetInt64());
        var contacts = crm.Records();
        Assert.Equal(creates, contacts.Count);
        var contact = contacts.Values.First();
        Assert.True(int.Parse(contact["lead_score"], System.Globalization.CultureInfo.InvariantCulture) >= 80);
        Assert.Contains(contact["vip"], new[] { "true", "false" });
        Assert.True(contact.ContainsKey("churn_probability"));

        var requests = crm.Requests;
        var again = await LadleProcess.RunAsync(environment, "sync", "run", DemoCrm.Sync, "-p", _dir, "--json");
        Assert.True(again.ExitCode == 0, again.Out + again.Err);
        using var second = JsonDocument.Parse(again.Out);
        Assert.Equal(0, second.RootElement.GetProperty("sent").GetInt64());
        Assert.Equal(requests, crm.Requests);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
