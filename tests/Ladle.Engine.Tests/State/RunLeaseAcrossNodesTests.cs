using Ladle.Engine.State;
using Ladle.Engine.Tests.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Engine.Tests.State;

/// <summary>
/// One build of a dataset at a time across nodes: two PostgreSQL state stores (two data sources, their own
/// connections, as two nodes have) on one schema, and a held run lease's heartbeat driven by a fake clock.
/// </summary>
public sealed class RunLeaseAcrossNodesTests : IAsyncLifetime
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly PostgresFixture _postgres = new();
    private readonly string _schema = PostgresFixture.NewSchema();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private PostgresStateStore _nodeA = null!;
    private PostgresStateStore _nodeB = null!;

    public async Task InitializeAsync()
    {
        _nodeA = new PostgresStateStore(_postgres.ConnectionString, _schema, _clock);
        _nodeB = new PostgresStateStore(_postgres.ConnectionString, _schema, _clock);
        await Task.WhenAll(_nodeA.InitializeAsync(None), _nodeB.InitializeAsync(None));
    }

    private Task<(HeldRunLease? Held, RunLease? Holder)> TakeAsync(IRunLock node) =>
        HeldRunLease.TryTakeAsync(node, "orders", Duration, _clock, NullLogger.Instance, None);

    [Fact]
    public async Task A_held_lease_is_renewed_by_its_heartbeat_and_keeps_the_other_node_out_until_released()
    {
        var (held, _) = await TakeAsync(_nodeA);
        Assert.NotNull(held);
        await using (held)
        {
            var (refused, holder) = await TakeAsync(_nodeB);
            Assert.Null(refused);
            Assert.Equal(held.Lease.Owner, holder!.Owner);
            // Two lease durations pass: every third of one, the heartbeat renews it.
            for (var tick = 0; tick < 6; tick++)
            {
                _clock.Advance(Duration / 3);
                await Eventually.True(() => held.Lease.ExpiresAt == _clock.GetUtcNow() + Duration, $"the heartbeat renewed the lease (tick {tick + 1})");
            }
            Assert.Null((await TakeAsync(_nodeB)).Held);
            Assert.False(held.Lost.IsCancellationRequested);
        }
        // Released when the run ends: the other node takes it at once.
        var (taken, _) = await TakeAsync(_nodeB);
        Assert.NotNull(taken);
        await taken.DisposeAsync();
    }

    [Fact]
    public async Task A_node_killed_mid_run_frees_the_dataset_one_lease_duration_later()
    {
        // A node on another machine took the lease and died: nothing renews it, and its process cannot be looked up.
        Assert.NotNull(await _nodeA.TryAcquireRunLeaseAsync("orders", "other-machine:4242:run-1", Duration, None));
        _clock.Advance(Duration - TimeSpan.FromSeconds(1));
        Assert.Equal("other-machine:4242:run-1", (await TakeAsync(_nodeB)).Holder!.Owner);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var (taken, _) = await TakeAsync(_nodeB);
        Assert.NotNull(taken);
        await taken.DisposeAsync();
    }

    [Fact]
    public async Task A_lease_of_a_gone_process_of_this_machine_is_taken_over_at_once()
    {
        // A pid no process has (the kernel's limit is far below it): the process that held it is gone.
        Assert.NotNull(await _nodeA.TryAcquireRunLeaseAsync("orders", $"{Environment.MachineName}:999999999:run-1", Duration, None));
        var (taken, _) = await TakeAsync(_nodeB);
        Assert.NotNull(taken);
        await taken.DisposeAsync();
    }

    [Fact]
    public async Task A_holder_whose_lease_expired_before_it_renewed_is_told_to_stop_and_the_other_node_takes_over()
    {
        var (held, _) = await TakeAsync(_nodeA);
        Assert.NotNull(held);
        await using (held)
        {
            // Its heartbeat first runs when the lease is already over (a stalled node, say): the renewal fails.
            _clock.Advance(Duration);
            await Eventually.True(() => held.Lost.IsCancellationRequested, "the holder learned it lost the lease");
            var (taken, _) = await TakeAsync(_nodeB);
            Assert.NotNull(taken);
            await taken.DisposeAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await _nodeA.DisposeAsync();
        await _nodeB.DisposeAsync();
        await _postgres.ExecuteAsync($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
    }
}
