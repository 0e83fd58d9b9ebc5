using Ladle.Cli.Demo;
using Ladle.Core.Loading;
using Ladle.Core.Model;

namespace Ladle.Cli.Tests.Demo;

/// <summary>A small demo generated once per test class into a temporary folder, and removed afterwards.</summary>
public sealed class DemoFixture : IAsyncLifetime
{
    public static readonly DemoOptions Options = new() { Orders = 20_000 };

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "ladle-demo-" + Guid.NewGuid().ToString("N"));

    internal CollectingProgress Progress { get; } = new();

    public ProjectDefinition Project { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await DemoGenerator.GenerateAsync(Directory, Options, Progress, CancellationToken.None);
        Project = ProjectLoader.Load(Directory);
    }

    public Task DisposeAsync()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}
