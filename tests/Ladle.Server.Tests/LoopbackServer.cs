using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ladle.Server.Tests;

/// <summary>A real Ladle server on a free loopback port over a project written to a temp folder.</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private WebApplication? _app;

    private LoopbackServer(string root) => Root = root;

    public string Root { get; }
    public LadleEngine Engine { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>What the server and its engine logged.</summary>
    public LogCapture Logs { get; } = new();

    private ILoggerFactory? _engineLoggers;

    /// <summary>The host's services, for the hosted services a test looks at.</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>Writes the project with <paramref name="write"/>, materializes its table datasets and serves it.</summary>
    public static async Task<LoopbackServer> StartAsync(Action<string> write, bool dev = true, bool materialize = true)
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
        server._app = LadleServer.Build(server.Engine, new LadleServerOptions { Http = "127.0.0.1:0", Dev = dev },
            logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(server.Logs));
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
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
        if (_app is not null) await _app.DisposeAsync();
        await Engine.DisposeAsync();
        _engineLoggers?.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
