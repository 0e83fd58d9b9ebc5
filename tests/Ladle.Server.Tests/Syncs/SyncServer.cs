using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Ladle.Core.Model.Syncs;
using Ladle.Engine.Access;
using Ladle.Engine.State;
using Ladle.Syncs;
using Ladle.Syncs.Observing;
using Microsoft.Extensions.DependencyInjection;

namespace Ladle.Server.Tests.Syncs;

/// <summary>
/// A secured Ladle server on loopback with a customers dataset, a sync principal, an admin and a reader, syncs to a
/// real webhook receiver, and an alert channel to a real webhook listener; a test waits for runs the way an
/// operator would (they are observed as they finish), never by sleeping.
/// </summary>
internal sealed class SyncServer : IAsyncDisposable, ISyncRunObserver
{
    private readonly System.Threading.Channels.Channel<SyncRunRecord> _finished = System.Threading.Channels.Channel.CreateUnbounded<SyncRunRecord>();

    private SyncServer(LoopbackServer server, Ladle.Syncs.Tests.WebhookReceiver receiver, Engine.Tests.Alerts.WebhookListener alerts, string hookVariable)
    {
        Server = server;
        Receiver = receiver;
        Alerts = alerts;
        HookVariable = hookVariable;
    }

    public LoopbackServer Server { get; }
    public Ladle.Syncs.Tests.WebhookReceiver Receiver { get; }
    public Engine.Tests.Alerts.WebhookListener Alerts { get; }
    public string HookVariable { get; }
    public Dictionary<string, string> Tokens { get; } = [];

    /// <summary>
    /// Starts the server; <paramref name="syncs"/> maps a sync's name to its YAML after the common source, principal,
    /// destination, key and fields lines; <paramref name="dataset"/> is YAML added to the customers dataset (a freshness promise, say).
    /// </summary>
    public static async Task<SyncServer> StartAsync(IReadOnlyDictionary<string, string> syncs, int customers = 30, TimeProvider? clock = null, string dataset = "")
    {
        var receiver = await Ladle.Syncs.Tests.WebhookReceiver.StartAsync();
        var alerts = await Engine.Tests.Alerts.WebhookListener.StartAsync();
        var variable = "LADLE_TEST_SYNC_HOOK_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, receiver.Url.ToString());
        var server = await LoopbackServer.StartAsync(root =>
        {
            LoopbackServer.File(root, "ladle.yaml",
                $"name: syncserver\nsources:\n  files:\n    kind: files\n    path: data\nalerts:\n  team:\n    kind: webhook\n    url: {alerts.Url()}\n");
            LoopbackServer.File(root, "data/customers.csv", Customers(1, customers));
            LoopbackServer.File(root, "datasets/customers.yaml", """
                name: customers
                domain: crm
                source: files
                table: customers.csv
                primary_key: [id]
                columns:
                  - { name: id, type: integer }
                  - { name: email, type: string, pii: true, mask: hash }
                  - { name: score, type: string }
                  - { name: tier, type: string }
                """ + "\n" + dataset);
            LoopbackServer.File(root, "access.yaml", """
                roles:
                  syncer:
                    pii: true
                    grants:
                      - { actions: [read, export], domains: [crm] }
                  reader:
                    grants:
                      - { actions: [read, export], domains: [crm] }
                  admin:
                    admin: true
                principals:
                  crm_sync: { kind: service, roles: [syncer] }
                  reader: { roles: [reader] }
                  root: { roles: [admin] }
                """);
            foreach (var (name, yaml) in syncs)
                LoopbackServer.File(root, $"syncs/{name}.yaml",
                    $"name: {name}\nsource: {{ dataset: customers }}\nprincipal: crm_sync\n" +
                    $"destination: {{ kind: webhook, url_env: {variable}, max_attempts: 1 }}\n" +
                    "key: { source: id, destination: external_id }\n" +
                    "fields:\n  - email\n  - { source: score, destination: churn_risk, type: double }\n  - { source: tier, destination: segment }\n" + yaml + "\n");
        }, dev: false, clock: clock);
        var self = new SyncServer(server, receiver, alerts, variable);
        server.Services.GetRequiredService<SyncService>().Observers.Add(self);
        var tokens = new TokenService(server.Engine.Project, server.Engine.State);
        foreach (var principal in new[] { "root", "reader" })
            self.Tokens[principal] = (await tokens.CreateAsync(principal, null, "test", CancellationToken.None)).Token;
        return self;
    }

    public static string Customers(int from, int to, Func<int, string>? score = null)
    {
        var csv = new StringBuilder("id,email,score,tier\n");
        for (var i = from; i <= to; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{i},c{i}@example.com,{score?.Invoke(i) ?? (i % 100).ToString(CultureInfo.InvariantCulture)},gold\n");
        return csv.ToString();
    }

    /// <summary>Rewrites customers.csv and publishes it.</summary>
    public async Task PublishAsync(string csv)
    {
        LoopbackServer.File(Server.Root, "data/customers.csv", csv);
        var result = Assert.Single(await Server.Engine.Publisher.MaterializeAsync(["customers"], "test", null, CancellationToken.None));
        Assert.True(result.Published, result.Error);
    }

    public HttpRequestMessage Request(HttpMethod method, string path, string principal = "root")
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[principal]);
        return request;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string principal = "root") =>
        await Server.Http.SendAsync(Request(method, path, principal));

    /// <summary>The next run that finishes (in the order they finish).</summary>
    public async Task<SyncRunRecord> NextRunAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromMinutes(1));
        return await _finished.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>True when a run finished (without waiting for one).</summary>
    public bool TryNextRun(out SyncRunRecord? run) => _finished.Reader.TryRead(out run);

    public Task RunFinishedAsync(SyncDefinition sync, SyncRunRecord run, TimeSpan duration, CancellationToken cancellationToken)
    {
        _finished.Writer.TryWrite(run);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Receiver.DisposeAsync();
        await Alerts.DisposeAsync();
        Environment.SetEnvironmentVariable(HookVariable, null);
    }
}
