using Ladle.Engine.Features;

namespace Ladle.Server.Tests.Features.Online;

/// <summary>
/// What every online backend promises (one abstract class, one subclass per backend): entries read back as they were
/// written, with their types; a new version never replaces an entity's newer event with an older one and keeps the
/// entities it lacks; a write of an older version never replaces a newer one, whatever order concurrent writers land in.
/// </summary>
public abstract class OnlineBackendContract : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 3, 1, 10, 0, 0);

    protected IOnlineFeatureBackend Backend { get; private set; } = null!;

    /// <summary>A new, empty backend.</summary>
    protected abstract Task<IOnlineFeatureBackend> CreateAsync();

    /// <summary>How many keys the backend holds for a view (null: it holds no keys, only objects).</summary>
    protected virtual Task<long?> KeysHeldAsync(string view) => Task.FromResult<long?>(null);

    public virtual async Task InitializeAsync() => Backend = await CreateAsync();

    public virtual async Task DisposeAsync() => await Backend.DisposeAsync();

    private static OnlineEntry Entry(double value, int minutes = 0, long rank = 1) =>
        new([new OnlineRow(T0.AddMinutes(minutes), T0.AddMinutes(minutes), rank, [value])]);

    private static Dictionary<string, OnlineEntry> Entries(long version, int count) =>
        Enumerable.Range(0, count).ToDictionary(i => "e" + i, i => Entry(version * 1000 + i, (int)version), StringComparer.Ordinal);

    [Fact]
    public async Task Entries_read_back_with_their_rows_times_and_types()
    {
        var late = new OnlineEntry([
            new OnlineRow(T0, T0.AddHours(2), 1, [42L, 1.5, "text ünïcode", true, 12.34m, T0, new DateOnly(2026, 3, 1), null, 7, 2.5f]),
            new OnlineRow(T0.AddMinutes(-5), T0.AddMinutes(-5), 2, [41L, null, "", false, -0.5m, T0.AddDays(-1), new DateOnly(2025, 1, 31), null, -1, 0f]),
        ]);
        await Backend.PublishAsync("climate", 3, new Dictionary<string, OnlineEntry> { ["1\u001fnorth"] = late, ["2"] = Entry(2) }, CancellationToken.None);

        var read = await Backend.ReadAsync("climate", ["1\u001fnorth", "missing", null, "2"], CancellationToken.None);

        Assert.Equal(3, read.Version);
        Assert.Null(read.Entries[1]);
        Assert.Null(read.Entries[2]);
        var rows = read.Entries[0]!.Rows;
        Assert.Equal(2, rows.Length);
        Assert.Equal(late.Rows[0].Event, rows[0].Event);
        Assert.Equal(late.Rows[0].Created, rows[0].Created);
        Assert.Equal(late.Rows[1].Rank, rows[1].Rank);
        Assert.Equal(late.Rows[0].Values, rows[0].Values);
        Assert.Equal(late.Rows[1].Values, rows[1].Values);
        Assert.Equal(typeof(decimal), rows[0].Values[4]!.GetType());
        Assert.Equal(typeof(DateOnly), rows[0].Values[6]!.GetType());
        Assert.Equal(2.0, read.Entries[3]!.Rows[0].Values[0]);
        Assert.Equal((3L, 2L), await Backend.DescribeAsync("climate", CancellationToken.None));
    }

    [Fact]
    public async Task Nothing_published_reads_no_version()
    {
        var read = await Backend.ReadAsync("never", ["a"], CancellationToken.None);
        Assert.Null(read.Version);
        Assert.Null(read.Entries[0]);
        Assert.Null(await Backend.DescribeAsync("never", CancellationToken.None));
    }

    [Fact]
    public async Task A_new_version_never_replaces_a_newer_event_with_an_older_one_and_keeps_entities_it_lacks()
    {
        await Backend.PublishAsync("climate", 1, new Dictionary<string, OnlineEntry> { ["gone"] = Entry(1), ["kept"] = Entry(2, 30), ["corrected"] = Entry(4, 20) }, CancellationToken.None);
        // The new version holds an older row of 'kept' (its newest was withdrawn), lacks 'gone', corrects 'corrected' at the same event time.
        await Backend.PublishAsync("climate", 2, new Dictionary<string, OnlineEntry> { ["kept"] = Entry(9, 10), ["new"] = Entry(3), ["corrected"] = Entry(5, 20) }, CancellationToken.None);

        var read = await Backend.ReadAsync("climate", ["gone", "kept", "new", "corrected"], CancellationToken.None);

        Assert.Equal(2, read.Version);
        Assert.Equal(1.0, read.Entries[0]!.Rows[0].Values[0]);
        Assert.Equal(2.0, read.Entries[1]!.Rows[0].Values[0]);
        Assert.Equal(T0.AddMinutes(30), read.Entries[1]!.Rows[0].Event);
        Assert.Equal(3.0, read.Entries[2]!.Rows[0].Values[0]);
        Assert.Equal(5.0, read.Entries[3]!.Rows[0].Values[0]);
        Assert.Equal((2L, 4L), await Backend.DescribeAsync("climate", CancellationToken.None));
        if (await KeysHeldAsync("climate") is { } held) Assert.Equal(4 + 2, held);
    }

    [Fact]
    public async Task A_newer_event_in_a_new_version_replaces_the_older_one()
    {
        await Backend.PublishAsync("climate", 1, new Dictionary<string, OnlineEntry> { ["a"] = Entry(1, 10) }, CancellationToken.None);
        await Backend.PublishAsync("climate", 2, new Dictionary<string, OnlineEntry> { ["a"] = Entry(7, 11) }, CancellationToken.None);

        var read = await Backend.ReadAsync("climate", ["a"], CancellationToken.None);

        Assert.Equal(7.0, read.Entries[0]!.Rows[0].Values[0]);
        if (await KeysHeldAsync("climate") is { } held) Assert.Equal(1 + 2, held);
    }

    [Fact]
    public async Task An_older_version_written_after_a_newer_one_is_discarded()
    {
        Assert.Equal(5, await Backend.PublishAsync("climate", 5, Entries(5, 3), CancellationToken.None));
        Assert.Equal(5, await Backend.PublishAsync("climate", 4, Entries(4, 4), CancellationToken.None));

        var read = await Backend.ReadAsync("climate", ["e0", "e3"], CancellationToken.None);

        Assert.Equal(5, read.Version);
        Assert.Equal(5000.0, read.Entries[0]!.Rows[0].Values[0]);
        Assert.Null(read.Entries[1]);
        if (await KeysHeldAsync("climate") is { } held) Assert.Equal(3 + 2, held);
    }

    [Fact]
    public async Task Concurrent_writers_of_many_versions_leave_the_newest_whole()
    {
        // Sixteen writers, versions in a shuffled order, all at once, each for the same 300 entities (more than one MSET).
        var versions = Enumerable.Range(1, 16).OrderBy(v => (v * 7919) % 16).Select(v => (long)v).ToArray();
        var writers = versions.Select(v => Task.Run(() => Backend.PublishAsync("climate", v, Entries(v, 300 + (int)v), CancellationToken.None)));
        await Task.WhenAll(writers);

        var keys = Enumerable.Range(0, 320).Select(i => (string?)("e" + i)).ToArray();
        var read = await Backend.ReadAsync("climate", keys, CancellationToken.None);

        Assert.Equal(16, read.Version);
        for (var i = 0; i < keys.Length; i++)
        {
            if (i < 316) Assert.Equal(16000.0 + i, read.Entries[i]!.Rows[0].Values[0]);
            else Assert.Null(read.Entries[i]);
        }
        Assert.Equal((16L, 316L), await Backend.DescribeAsync("climate", CancellationToken.None));
        if (await KeysHeldAsync("climate") is { } held) Assert.Equal(316 + 2, held);
    }

    [Fact]
    public async Task Views_are_kept_apart()
    {
        await Backend.PublishAsync("climate", 7, new Dictionary<string, OnlineEntry> { ["1"] = Entry(1) }, CancellationToken.None);
        await Backend.PublishAsync("Churn", 2, new Dictionary<string, OnlineEntry> { ["1"] = Entry(2) }, CancellationToken.None);

        Assert.Equal(1.0, (await Backend.ReadAsync("climate", ["1"], CancellationToken.None)).Entries[0]!.Rows[0].Values[0]);
        Assert.Equal(2.0, (await Backend.ReadAsync("churn", ["1"], CancellationToken.None)).Entries[0]!.Rows[0].Values[0]);
    }
}

/// <summary>The contract on the embedded store.</summary>
public sealed class MemoryOnlineBackendTests : OnlineBackendContract
{
    protected override Task<IOnlineFeatureBackend> CreateAsync() => Task.FromResult<IOnlineFeatureBackend>(new MemoryOnlineBackend());
}

/// <summary>The contract on a real redis-server, each test under its own key prefix.</summary>
public sealed class RedisOnlineBackendTests(RedisServer redis) : OnlineBackendContract, IClassFixture<RedisServer>
{
    private RedisOnlineBackend? _redis;

    protected override Task<IOnlineFeatureBackend> CreateAsync()
    {
        _redis = redis.Connect($"test:{Guid.NewGuid():N}:");
        return Task.FromResult<IOnlineFeatureBackend>(_redis);
    }

    protected override async Task<long?> KeysHeldAsync(string view) => await _redis!.CountKeysAsync(view);
}
