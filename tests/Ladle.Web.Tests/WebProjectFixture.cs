using Ladle.Server.Tests;

namespace Ladle.Web.Tests;

/// <summary>
/// The server tests' shop project (<see cref="ShopServerFixture"/>: documented datasets, checks, an SLO, lineage, a
/// quarantined version, tokens for root, alice and m42) served over loopback, and Chromium to look at it with.
/// </summary>
public sealed class WebProjectFixture : IAsyncLifetime
{
    public const int Orders = ShopServerFixture.Orders;

    private readonly ShopServerFixture _shop = new();

    public LoopbackServer Server => _shop.Server;
    public Browser Browser { get; private set; } = null!;
    public Dictionary<string, string> Tokens => _shop.Tokens;

    /// <summary>The server's base URL (http://127.0.0.1:port).</summary>
    public string Url => Server.Http.BaseAddress!.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        await _shop.InitializeAsync();
        Browser = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        await _shop.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebProjectFixture>
{
    public const string Name = "web";
}
