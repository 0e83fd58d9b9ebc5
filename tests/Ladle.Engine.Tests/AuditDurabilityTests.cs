using Ladle.Cli.Tests;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Engine.Tests;

/// <summary>
/// The audit writer over a real SQLite state store on a real filesystem that fills up: entries wait in memory up
/// to the bound, those beyond it are counted, and once there is room the held ones and a record of the loss are
/// written.
/// </summary>
public sealed class AuditDurabilityTests
{
    [Fact]
    public async Task Entries_beyond_the_bound_are_counted_lost_and_the_loss_is_audited_once_there_is_room()
    {
        using var project = new TestProject("").Dataset("d", "source: files\ntable: d.csv\n").Write("data/d.csv", "a\n1\n");
        using var disk = new SmallDisk(project.PathOf(".ladle"), 8);
        await using var engine = await project.OpenAsync();
        await using var writer = new AuditWriter(engine.State, NullLogger<AuditWriter>.Instance, TimeProvider.System, maxHeld: 5);

        disk.Fill();
        for (var i = 0; i < 8; i++)
            writer.Record(new AuditEntry(DateTimeOffset.UtcNow, "p" + i, "rest", "d", "read", "", i, 0, "ok", TimeSpan.Zero));
        await writer.FlushAsync();

        Assert.Equal((5, 3L), (writer.Held, writer.Lost));
        Assert.False(engine.Writes.Available);
        Assert.Contains("no space left on device", engine.Writes.Failure!.Value.Reason, StringComparison.Ordinal);
        Assert.Contains(project.PathOf(".ladle/state.db"), engine.Writes.Failure!.Value.Reason, StringComparison.Ordinal);

        disk.Free();
        await writer.FlushAsync();

        Assert.Equal(0, writer.Held);
        Assert.True(engine.Writes.Available);
        var stored = await engine.State.QueryAuditAsync(new AuditQuery(), CancellationToken.None);
        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], stored.Where(e => e.Action == "read").Select(e => e.Principal).Order());
        var loss = Assert.Single(stored, e => e.Status == AuditStatuses.Lost);
        Assert.Equal(3, loss.Rows);
    }

    [Fact]
    public async Task Writer_survives_an_unexpected_exception_from_the_store_and_writes_the_entries_it_kept()
    {
        using var project = new TestProject("").Dataset("d", "source: files\ntable: d.csv\n").Write("data/d.csv", "a\n1\n");
        await using var engine = await project.OpenAsync();
        var (store, faults) = FaultyStateStore.Wrap(engine.State);
        var failures = 0;
        faults.Fault = (method, _) => method == nameof(IStateStore.AppendAuditAsync) && Interlocked.Increment(ref failures) == 1
            ? Task.FromException(new InvalidOperationException("injected: not a write failure the writer knows"))
            : null;
        var logs = new LogLines();
        await using var writer = new AuditWriter(store, new Logger<AuditWriter>(logs), TimeProvider.System);
        // Only a guard against hanging: a writer whose worker died never answers a flush.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        writer.Record(Entry("p0"));
        await writer.FlushAsync(guard.Token);
        Assert.Equal(1, writer.Held);
        Assert.Contains(logs.Lines, l => l.Contains("unexpected error", StringComparison.Ordinal));

        writer.Record(Entry("p1"));
        await writer.FlushAsync(guard.Token);

        Assert.Equal(0, writer.Held);
        var stored = await engine.State.QueryAuditAsync(new AuditQuery(), CancellationToken.None);
        Assert.Equal(["p0", "p1"], stored.Select(e => e.Principal).Order());
    }

    [Fact]
    public async Task A_cancelled_flush_stops_waiting_while_the_store_hangs_and_the_entries_are_written_later()
    {
        using var project = new TestProject("").Dataset("d", "source: files\ntable: d.csv\n").Write("data/d.csv", "a\n1\n");
        await using var engine = await project.OpenAsync();
        var (store, faults) = FaultyStateStore.Wrap(engine.State);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        faults.Fault = (method, args) =>
        {
            if (method != nameof(IStateStore.AppendAuditAsync) || release.Task.IsCompleted) return null;
            entered.TrySetResult();
            return WriteWhenReleased((IReadOnlyList<AuditRecord>)args[0]!);
        };
        async Task WriteWhenReleased(IReadOnlyList<AuditRecord> entries)
        {
            await release.Task;
            await engine.State.AppendAuditAsync(entries, CancellationToken.None);
        }
        await using var writer = new AuditWriter(store, NullLogger<AuditWriter>.Instance, TimeProvider.System);

        writer.Record(Entry("p0"));
        await entered.Task;
        using var impatient = new CancellationTokenSource();
        var flush = writer.FlushAsync(impatient.Token);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush);

        release.SetResult();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        writer.Record(Entry("p1"));
        await writer.FlushAsync(guard.Token);
        var stored = await engine.State.QueryAuditAsync(new AuditQuery(), CancellationToken.None);
        Assert.Equal(["p0", "p1"], stored.Select(e => e.Principal).Order());
    }

    [Fact]
    public async Task Stopping_waits_for_a_hung_store_no_longer_than_the_shutdown_bound()
    {
        using var project = new TestProject("").Dataset("d", "source: files\ntable: d.csv\n").Write("data/d.csv", "a\n1\n");
        await using var engine = await project.OpenAsync();
        var (store, faults) = FaultyStateStore.Wrap(engine.State);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        faults.Fault = (method, args) =>
        {
            if (method != nameof(IStateStore.AppendAuditAsync)) return null;
            entered.TrySetResult();
            // A store that never answers, until the writer gives up on it.
            return Task.Delay(Timeout.Infinite, (CancellationToken)args[1]!);
        };
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new LogLines();
        var writer = new AuditWriter(store, new Logger<AuditWriter>(logs), clock);

        writer.Record(Entry("p0"));
        await entered.Task;
        var stopping = writer.DisposeAsync().AsTask();
        Assert.False(stopping.IsCompleted);

        clock.Advance(AuditWriter.ShutdownWait);
        await stopping.WaitAsync(TimeSpan.FromMinutes(1));   // a guard against hanging only
        Assert.Contains(logs.Lines, l => l.Contains("did not take the last audit entries", StringComparison.Ordinal));
    }

    private static AuditEntry Entry(string principal) =>
        new(DateTimeOffset.UtcNow, principal, "rest", "d", "read", "", 1, 0, "ok", TimeSpan.Zero);
}
