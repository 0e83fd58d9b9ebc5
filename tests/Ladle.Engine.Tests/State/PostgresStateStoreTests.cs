using Ladle.Engine.State;
using Npgsql;

namespace Ladle.Engine.Tests.State;

/// <summary>
/// The state store contract on PostgreSQL (LADLE_TEST_PG): a fresh schema per test in the one test database, every
/// handle another data source (its own connections), as another node would open it.
/// </summary>
public sealed class PostgresStateStoreTests : StateStoreContract
{
    private readonly PostgresFixture _postgres = new();
    private readonly string _schema = PostgresFixture.NewSchema();

    protected override IStateStore Open(TimeProvider clock) => new PostgresStateStore(_postgres.ConnectionString, _schema, clock);

    [Fact]
    public async Task Nodes_starting_at_once_on_a_new_schema_create_it_once()
    {
        var schema = PostgresFixture.NewSchema();
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresStateStore(_postgres.ConnectionString, schema, Clock)).ToList();
        try
        {
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.InitializeAsync(CancellationToken.None))));
            Assert.Equal(Enumerable.Range(1, PostgresStateStore.SchemaVersion), await AppliedMigrationsAsync(schema));
            // Every node works on the one schema: a version begun on one is seen by the others.
            await stores[0].BeginVersionAsync("orders", "cli", Clock.GetUtcNow(), CancellationToken.None);
            Assert.Single(await stores[3].ListVersionsAsync("orders", 10, CancellationToken.None));
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
            await _postgres.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        }
    }

    [Fact]
    public async Task A_schema_migrated_by_a_newer_ladle_is_refused_with_what_to_do()
    {
        await _postgres.ExecuteAsync($"INSERT INTO {_schema}.schema_migrations (version) VALUES ({PostgresStateStore.SchemaVersion + 1})");
        await using var older = Open(Clock);
        var refused = await Assert.ThrowsAsync<StateUnavailableException>(() => older.InitializeAsync(CancellationToken.None));
        Assert.Contains($"schema version {PostgresStateStore.SchemaVersion + 1}", refused.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade this node", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stores_in_two_schemas_of_one_database_see_nothing_of_each_other()
    {
        var schema = PostgresFixture.NewSchema();
        await using var other = new PostgresStateStore(_postgres.ConnectionString, schema, Clock);
        try
        {
            await other.InitializeAsync(CancellationToken.None);
            await Store.BeginVersionAsync("orders", "cli", Clock.GetUtcNow(), CancellationToken.None);
            Assert.Empty(await other.ListVersionsAsync("orders", 10, CancellationToken.None));
        }
        finally
        {
            await _postgres.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        }
    }

    [Fact]
    public async Task An_unreachable_server_is_named_with_where_its_connection_string_came_from()
    {
        // A port nothing listens on: the connection is refused at once.
        await using var store = new PostgresStateStore("Host=127.0.0.1;Port=1;Username=ladle;Password=secret-password;Timeout=5", "ladle", Clock,
            "LADLE_STATE_PG (ladle.yaml:3:3)");
        var error = await Assert.ThrowsAsync<StateUnavailableException>(() => store.InitializeAsync(CancellationToken.None));
        Assert.StartsWith("the state store at postgres://127.0.0.1:1/", error.Message, StringComparison.Ordinal);
        Assert.Contains("is unreachable", error.Message, StringComparison.Ordinal);
        Assert.Contains("LADLE_STATE_PG (ladle.yaml:3:3)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ladle")]
    [InlineData("ladle; DROP TABLE x")]
    [InlineData("")]
    public void A_schema_name_that_is_not_a_plain_identifier_is_refused(string schema)
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresStateStore(_postgres.ConnectionString, schema, Clock));
        Assert.Equal("schema", error.ParamName);
    }

    [Fact]
    public async Task Publications_quarantines_failures_and_revocations_are_told_to_every_node_listening()
    {
        await using var other = new PostgresStateStore(_postgres.ConnectionString, _schema, Clock);
        var received = System.Threading.Channels.Channel.CreateUnbounded<StateChange>();
        using var stop = new CancellationTokenSource();
        var listening = other.ListenAsync((change, _) => received.Writer.WriteAsync(change).AsTask(), TimeSpan.FromHours(1), stop.Token);
        async Task<StateChange> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await received.Reader.ReadAsync(timeout.Token);
        }

        // Listening: a reconcile comes first, for whatever changed before.
        Assert.Equal(StateChange.Resync, await NextAsync());
        var now = Clock.GetUtcNow();
        var first = await Store.BeginVersionAsync("orders", "cli", now, CancellationToken.None);
        await Store.PublishVersionAsync("orders", first.Version, 10, null, now, CancellationToken.None);
        Assert.Equal(new StateChange(StateChangeKind.Versions, "orders"), await NextAsync());
        var second = await Store.BeginVersionAsync("orders", "cli", now, CancellationToken.None);
        await Store.QuarantineVersionAsync("orders", second.Version, 10, "1 error check(s) failed: x", now, CancellationToken.None);
        Assert.Equal(new StateChange(StateChangeKind.Versions, "orders"), await NextAsync());
        var third = await Store.BeginVersionAsync("customers", "cli", now, CancellationToken.None);
        await Store.FailVersionAsync("customers", third.Version, "source down", now, CancellationToken.None);
        Assert.Equal(new StateChange(StateChangeKind.Versions, "customers"), await NextAsync());

        await Store.AddTokenAsync(new TokenRecord("abcdef012345", "ada", "salt", "hash", now, null, null, null, null, null), CancellationToken.None);
        Assert.True(await Store.RevokeTokenAsync("abcdef012345", now, CancellationToken.None));
        Assert.Equal(new StateChange(StateChangeKind.Tokens, "abcdef012345"), await NextAsync());
        // Revoking it again changes nothing and tells nothing: the next notice is the next change.
        Assert.False(await Store.RevokeTokenAsync("abcdef012345", now, CancellationToken.None));
        var fourth = await Store.BeginVersionAsync("orders", "cli", now, CancellationToken.None);
        await Store.PublishVersionAsync("orders", fourth.Version, 10, null, now, CancellationToken.None);
        Assert.Equal(new StateChange(StateChangeKind.Versions, "orders"), await NextAsync());

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listening);
    }

    [Fact]
    public async Task Rate_windows_add_up_across_nodes_and_past_ones_are_pruned()
    {
        await using var other = new PostgresStateStore(_postgres.ConnectionString, _schema, Clock);
        var here = (ISharedRateCounter)Store;
        var window = Clock.GetUtcNow();
        Assert.Equal(1, await here.AddAsync("requests|ada", window, 1, CancellationToken.None));
        Assert.Equal(3, await other.AddAsync("requests|ada", window, 2, CancellationToken.None));
        Assert.Equal(3, await here.AddAsync("requests|ada", window, 0, CancellationToken.None));
        Assert.Equal(0, await here.AddAsync("requests|bob", window, 0, CancellationToken.None));
        Assert.Equal(5, await other.AddAsync("requests|ada", window.AddSeconds(1), 5, CancellationToken.None));
        Assert.Equal(2, await other.PruneAsync(window.AddSeconds(1), CancellationToken.None));
        Assert.Equal(0, await here.AddAsync("requests|ada", window, 0, CancellationToken.None));
        Assert.Equal(5, await here.AddAsync("requests|ada", window.AddSeconds(1), 0, CancellationToken.None));
    }

    private async Task<List<int>> AppliedMigrationsAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(_postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT version FROM {schema}.schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync()) versions.Add(reader.GetInt32(0));
        return versions;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _postgres.ExecuteAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
    }
}
