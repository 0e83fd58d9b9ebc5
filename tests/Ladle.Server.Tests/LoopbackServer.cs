using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Tests;

/// <summary>A real Ladle server on a free loopback port over a project written to a temp folder.</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private LadleServerHost? _host;

    private LoopbackServer(string root) => Root = root;

    public string Root { get; }
    public LadleEngine Engine { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>What the server and its engine logged.</summary>
    public LogCapture Logs { get; } = new();

    private ILoggerFactory? _engineLoggers;

    /// <summary>The host's services, for the hosted services a test looks at.</summary>
    public IServiceProvider Services => _host!.Services;

    /// <summary>The server as `ladle serve` starts it (its start-up builds, its announcement).</summary>
    public LadleServerHost Host => _host!;

    /// <summary>
    /// Writes the project with <paramref name="write"/>, materializes its table datasets (unless told not to: the
    /// server's start-up then builds them) and serves it the way `ladle serve` does.
    /// </summary>
    public static async Task<LoopbackServer> StartAsync(Action<string> write, bool dev = true, bool materialize = true, string? postgres = null, TimeProvider? clock = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "ladle-server-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        write(root);
        var server = new LoopbackServer(root);
        server._engineLoggers = LoggerFactory.Create(builder => builder.AddProvider(server.Logs));
        server.Engine = await LadleEngine.OpenAsync(ProjectLoader.Load(root), loggers: server._engineLoggers);
        if (materialize)
        {
            var results = await server.Engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None);
            Assert.All(results.Where(r => !r.Dataset.StartsWith("broken", StringComparison.Ordinal)), r => Assert.True(r.Published, r.Error));
        }
        server._host = await LadleServerHost.StartAsync(server.Engine, new LadleServerOptions { Http = "127.0.0.1:0", Dev = dev, Postgres = postgres, Clock = clock },
            logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(server.Logs));
        server.Http = new HttpClient { BaseAddress = new Uri(server._host.Url), Timeout = TimeSpan.FromMinutes(2) };
        return server;
    }

    public static void File(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, text);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_host is not null) await _host.DisposeAsync();
        await Engine.DisposeAsync();
        _engineLoggers?.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
