using Ladle.Engine.State;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Engine.Tests.State;

/// <summary>
/// What every state store promises, written once and run against each backend (as Dapper runs one test class per
/// provider): one partial file per concern (<c>StateStoreContract.Versions.cs</c>, <c>.Checks.cs</c>,
/// <c>.Incidents.cs</c>, <c>.Tokens.cs</c>, <c>.Audit.cs</c>, <c>.RunLock.cs</c>).
/// </summary>
/// <remarks>
/// A backend runs them by adding one sealed subclass that implements <see cref="Open"/>: each test class instance
/// (xUnit makes one per test) gets its own empty store, and every call opens another handle on that same store, as
/// another process or node would. For PostgreSQL, say:
/// <code>
/// public sealed class PostgresStateStoreTests : StateStoreContract
/// {
///     private readonly string _schema = "contract_" + Guid.NewGuid().ToString("N");   // created empty, dropped in DisposeAsync
///     protected override IStateStore Open(TimeProvider clock) => new PostgresStateStore(ConnectionFor(_schema), clock);
/// }
/// </code>
/// Time comes only from <see cref="Clock"/> (a fake the store is opened with) and from the times tests pass in: no
/// test waits, so a lease's expiry is tested by advancing the clock.
/// </remarks>
public abstract partial class StateStoreContract : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly List<IStateStore> _opened = [];

    /// <summary>The clock every handle is opened with; tests advance it.</summary>
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The first handle on this test's store, initialized.</summary>
    protected IStateStore Store { get; private set; } = null!;

    /// <summary>Opens a handle on this test's store (empty before the first call), not yet initialized.</summary>
    protected abstract IStateStore Open(TimeProvider clock);

    /// <summary>Another initialized handle on the same store, as another process would open it.</summary>
    protected async Task<IStateStore> OpenAnotherAsync()
    {
        var store = Open(Clock);
        _opened.Add(store);
        await store.InitializeAsync(None);
        return store;
    }

    public async Task InitializeAsync() => Store = await OpenAnotherAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _opened) await store.DisposeAsync();
    }

    private DateTimeOffset At(int seconds) => Clock.GetUtcNow().AddSeconds(seconds);

    [Fact]
    public async Task Initializing_again_keeps_every_record()
    {
        await Store.BeginVersionAsync("orders", "cli", At(0), None);
        await Store.AddTokenAsync(Token("t1", At(0)), None);
        await Store.InitializeAsync(None);
        await using var again = Open(Clock);
        await again.InitializeAsync(None);
        Assert.Single(await again.ListVersionsAsync("orders", 10, None));
        Assert.NotNull(await again.FindTokenAsync("t1", None));
    }
}
