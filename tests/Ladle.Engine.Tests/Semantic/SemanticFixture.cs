namespace Ladle.Engine.Tests.Semantic;

/// <summary>The retail project, published once for all read-only semantic tests.</summary>
public sealed class SemanticFixture : IAsyncLifetime
{
    private readonly TestProject _project = new("");

    public LadleEngine Engine { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        RetailData.Write(_project);
        Engine = await _project.OpenAsync();
        foreach (var result in await Engine.Publisher.MaterializeAsync([], "test", null, CancellationToken.None))
            Assert.True(result.Published, result.Dataset + ": " + result.Error);
    }

    public async Task DisposeAsync()
    {
        await Engine.DisposeAsync();
        _project.Dispose();
    }
}
