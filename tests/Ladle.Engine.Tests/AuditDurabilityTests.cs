using Ladle.Cli.Tests;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Engine.State;
using Microsoft.Extensions.Logging.Abstractions;

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
}
