using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Engine.Access;
using Ladle.Server.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Streams.Tests;

/// <summary>
/// A project folder with a stream of household energy readings (one-minute windows keyed by household, windows
/// dataset energy_windows), served on a loopback port on a fake clock, and restartable over the same folder (its
/// log, store and state), as `ladle serve` would be after a stop.
/// </summary>
internal sealed class StreamServer : IAsyncDisposable
{
    public const string DefaultStream = """
        name: readings
        dataset: energy_windows
        domain: energy
        columns:
          - { name: household, type: string }
          - { name: at, type: timestamp }
          - { name: kwh, type: double }
        event_time: at
        keys: [household]
        window: { type: tumbling, size: 1m }
        allowed_lateness: 10s
        idle_timeout: 5s
        aggregates:
          - { name: events, function: count }
          - { name: kwh, function: sum, column: kwh }
          - { name: kwh_max, function: max, column: kwh }
        """;

    private LadleEngine? _engine;
    private LadleServerHost? _host;

    public StreamServer(string stream = DefaultStream, string? access = null)
    {
        Write("ladle.yaml", "name: streamtest\n");
        Write("streams/readings.yaml", stream);
        if (access is not null) Write("access.yaml", access);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "ladle-streams-" + Guid.NewGuid().ToString("N"));

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public HttpClient Http { get; private set; } = null!;

    public LadleEngine Engine => _engine!;

    public StreamServer Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return this;
    }

    public async Task<StreamServer> StartAsync(bool dev = true)
    {
        _engine = await LadleEngine.OpenAsync(ProjectLoader.Load(Root));
        _host = await LadleServerHost.StartAsync(_engine, new LadleServerOptions { Http = "127.0.0.1:0", Dev = dev, Clock = Clock },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        Http = new HttpClient { BaseAddress = new Uri(_host.Url), Timeout = TimeSpan.FromMinutes(2) };
        // Streams open (replay their logs) in the background while the server answers; the tests start once they are open.
        await ((StreamService)_host.Services.GetService(typeof(StreamService))!).Opened;
        return this;
    }

    /// <summary>Stops serving (the log, store and state stay for the next start).</summary>
    public async Task StopAsync()
    {
        Http?.Dispose();
        if (_host is not null) await _host.DisposeAsync();
        if (_engine is not null) await _engine.DisposeAsync();
        _host = null;
        _engine = null;
    }

    public async Task<string> TokenAsync(string principal) =>
        (await new TokenService(Engine.Project, Engine.State).CreateAsync(principal, null, "test", CancellationToken.None)).Token;

    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Posts events as NDJSON; returns the answer's status and body.</summary>
    public static async Task<(int Status, JsonElement Body)> PostAsync(HttpClient http, string body, string stream = "readings")
    {
        using var response = await http.PostAsync($"/api/v1/streams/{stream}/events", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }

    public Task<(int Status, JsonElement Body)> PostAsync(string body) => PostAsync(Http, body);

    public static string Ndjson(IEnumerable<Reading> readings) =>
        string.Join("\n", readings.Select(r => JsonSerializer.Serialize(new { household = r.Household, at = r.At.ToString("O"), kwh = r.Kwh })));

    public async Task<JsonElement> StatusAsync(string stream = "readings")
    {
        var text = await Http.GetStringAsync($"/api/v1/streams/{stream}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Waits until the windows dataset is published up to <paramref name="seq"/> (publication runs beside ingest).</summary>
    public async Task WaitPublishedAsync(long seq)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var status = await StatusAsync();
            if (status.GetProperty("windows_published").GetInt64() >= seq) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"windows not published up to {seq}: {status}");
            await Task.Delay(20);
        }
    }

    /// <summary>The audit's entries about <paramref name="target"/>, newest first (the server is in --dev: an admin).</summary>
    public async Task<List<JsonElement>> AuditAsync(string target)
    {
        var text = await Http.GetStringAsync($"/api/v1/audit?dataset={Uri.EscapeDataString(target)}");
        return JsonDocument.Parse(text).RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>Every row of the windows dataset, through GET rows.</summary>
    public async Task<List<JsonElement>> WindowsAsync(HttpClient? http = null)
    {
        var text = await (http ?? Http).GetStringAsync("/api/v1/datasets/energy_windows/rows?order=seq&limit=10000");
        return JsonDocument.Parse(text).RootElement.GetProperty("rows").EnumerateArray().Select(r => r.Clone()).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>One energy reading as the tests send it.</summary>
internal sealed record Reading(string Household, DateTimeOffset At, double Kwh);
