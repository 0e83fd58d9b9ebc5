using Ladle.Engine.Alerts;

namespace Ladle.Engine.Tests.Alerts;

/// <summary>
/// An engine over a test project with the incident monitor and alert dispatcher running, as `ladle serve` runs
/// them; the project's ladle.yaml carries the alert channels.
/// </summary>
internal sealed class AlertHarness : IAsyncDisposable
{
    /// <summary>Retries fast enough for tests, same shape as the defaults.</summary>
    public static AlertDeliveryOptions Fast { get; } = new()
    {
        FirstRetryDelay = TimeSpan.FromMilliseconds(20),
        RequestTimeout = TimeSpan.FromSeconds(5),
        FlushTimeout = TimeSpan.FromSeconds(5),
    };

    private AlertHarness(LadleEngine engine, AlertDispatcher dispatcher, IncidentMonitor monitor)
    {
        Engine = engine;
        Dispatcher = dispatcher;
        Monitor = monitor;
    }

    public LadleEngine Engine { get; }
    public AlertDispatcher Dispatcher { get; }
    public IncidentMonitor Monitor { get; }

    /// <summary>Writes ladle.yaml with <paramref name="alerts"/> (the YAML under 'alerts:') and a status interval.</summary>
    public static void WriteProject(TestProject project, string alerts, string statusInterval = "1h") =>
        project.Write("ladle.yaml",
            $"name: test\nserver:\n  retain_versions: 2\n  status_interval: {statusInterval}\nsources:\n  files:\n    kind: files\n    path: data\nalerts:\n{alerts}");

    /// <summary>The YAML of one channel posting to <paramref name="url"/>.</summary>
    public static string Channel(string name, string kind, string url, string? datasets = null) =>
        $"  {name}:\n    kind: {kind}\n    url: {url}\n" + (datasets is null ? "" : $"    datasets: [{datasets}]\n");

    public static async Task<AlertHarness> StartAsync(TestProject project, AlertDeliveryOptions? options = null, Func<string, string?>? environment = null)
    {
        var engine = await project.OpenAsync();
        var dispatcher = new AlertDispatcher(engine.Project, options ?? Fast, environment: environment);
        var monitor = new IncidentMonitor(engine.Project, engine.Catalog, engine.State, engine.Publisher, dispatcher);
        await dispatcher.StartAsync(CancellationToken.None);
        await monitor.StartAsync(CancellationToken.None);
        return new AlertHarness(engine, dispatcher, monitor);
    }

    public async Task<RunOutcome> MaterializeAsync(string dataset) =>
        Assert.Single(await Engine.Publisher.MaterializeAsync([dataset], "test", null, CancellationToken.None));

    /// <summary>Runs a pass now and waits until every alert it raised was delivered or given up.</summary>
    public async Task SettleAsync()
    {
        await Monitor.EvaluateAsync(CancellationToken.None);
        await Dispatcher.FlushAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Monitor.StopAsync(CancellationToken.None);
        await Dispatcher.StopAsync(CancellationToken.None);
        Monitor.Dispose();
        await Dispatcher.DisposeAsync();
        await Engine.DisposeAsync();
    }
}
