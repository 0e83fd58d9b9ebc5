using System.Net.Http.Json;
using System.Text.Json;

namespace Ladle.Cli.Tests.Clients;

/// <summary>
/// `ladle serve --dev --pg 127.0.0.1:PORT` over a copy of tests/clients/project, started by the first test that
/// asks for it, once both datasets are published.
/// </summary>
public sealed class LadleClientsFixture : IAsyncLifetime
{
    // Assumptions to check at merge: --dev trusts any user on loopback as the local owner, and the database is the
    // project's name. Change them here if the listener says otherwise.
    private const string DevUser = "ladle";
    private const string DatabaseName = "clients";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "ladle-clients-" + Guid.NewGuid().ToString("N"));
    private ServeProcess? _serve;
    private ClientEndpoint? _endpoint;
    private string? _principalToken;

    /// <summary>tests/clients/project/access.yaml's principal: orders filtered to its region, customers' pii email masked.</summary>
    public const string Principal = "eu_analyst";

    public ClientEndpoint Endpoint => _endpoint ?? throw new InvalidOperationException("Call StartAsync first.");

    public async Task StartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_endpoint is not null) return;
            foreach (var file in Directory.EnumerateFiles(ClientsProject.Folder, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(_root, Path.GetRelativePath(ClientsProject.Folder, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target, overwrite: true); // a start that failed (say, publication too slow) may be retried
            }
            var port = ServeProcess.FreePort();
            _serve = await ServeProcess.StartAsync(_root, dev: true, extraArgs: ["--pg", $"127.0.0.1:{port}"]);
            await WaitPublishedAsync("orders");
            await WaitPublishedAsync("customers");
            _endpoint = new ClientEndpoint("127.0.0.1", port, DevUser, null, "disable", DatabaseName);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The endpoint as tests/clients/project's row-filtered, masked principal eu_analyst: TLS required, its password an
    /// API token (SCRAM-SHA-256). One token for the fixture's life.
    /// </summary>
    public async Task<(ClientEndpoint Endpoint, string Token)> PrincipalAsync()
    {
        await StartAsync();
        await _gate.WaitAsync();
        try
        {
            _principalToken ??= await CreateTokenAsync(Principal);
            return (Endpoint with { User = Principal, Password = _principalToken, SslMode = "require" }, _principalToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new API token for <paramref name="principal"/> of the project's access.yaml (`ladle tokens create`).</summary>
    public async Task<string> CreateTokenAsync(string principal)
    {
        var (exit, output, error) = await LadleProcess.RunAsync("tokens", "create", "--principal", principal, "--project", _root);
        Assert.True(exit == 0, $"ladle tokens create failed: {error}");
        return output.Trim();
    }

    /// <summary>What REST answers <paramref name="token"/>'s principal for a dataset's rows, as CSV records.</summary>
    public async Task<List<string[]>> RestCsvAsync(string dataset, string order, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/datasets/{dataset}/rows?format=csv&order={order}:asc");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await _serve!.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"REST answered {(int)response.StatusCode}: {body}");
        return ClientsProject.ParseCsv(body);
    }

    private async Task WaitPublishedAsync(string dataset)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var answer = await _serve!.Http.GetFromJsonAsync<JsonElement>($"/api/v1/datasets/{dataset}");
            if (answer.TryGetProperty("dataset", out var about) && about.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number) return;
            await Task.Delay(100);
        }
        Assert.Fail($"{dataset} was not published within two minutes:\n{_serve!.Output}");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_serve is not null) await _serve.DisposeAsync();
        _gate.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
