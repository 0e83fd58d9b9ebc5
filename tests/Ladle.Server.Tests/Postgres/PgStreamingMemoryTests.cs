using System.Globalization;
using Npgsql;

namespace Ladle.Server.Tests.Postgres;

/// <summary>
/// A result far larger than memory would hold whole streams through the listener in bounded memory: the engine makes
/// rows as the client takes them (DuckDB's streaming mode, the socket's backpressure), so the server process grows by
/// no more than its buffers, not by the result. Alone in the test process, whose resident memory it measures.
/// </summary>
[Collection(AloneInProcess.Name)]
public sealed class PgStreamingMemoryTests(PgWireFixture fixture) : IClassFixture<PgWireFixture>
{
    [Fact]
    public async Task Twenty_million_rows_stream_to_the_client_while_the_server_stays_within_bounded_memory()
    {
        const long rows = 20_000_000;
        // Two BIGINT columns: a result built whole before its first row would hold at least 320 MB.
        const long materialized = rows * 2 * sizeof(long);
        await using var connection = new NpgsqlConnection(fixture.Listener.ConnectionString());
        await connection.OpenAsync();
        await using (var warm = new NpgsqlCommand("SELECT range AS n, range * 2 AS m FROM range(1000000)", connection))
        await using (var reader = await warm.ExecuteReaderAsync())
            while (await reader.ReadAsync()) { }
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var baseline = Resident();
        var peak = baseline;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, Resident());
                await Task.Delay(25);
            }
        });
        long count = 0, sum = 0;
        await using (var command = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"SELECT range AS n, range * 2 AS m FROM range({rows})"), connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                count++;
                sum += reader.GetInt64(0);
            }
        }

        await done.CancelAsync();
        await sampler;
        peak = Math.Max(peak, Resident());

        Assert.Equal(rows, count);
        Assert.Equal(rows * (rows - 1) / 2, sum);
        var grown = peak - baseline;
        Assert.True(grown < materialized / 2,
            $"the server process grew by {grown / (1024 * 1024)} MB while streaming {rows:N0} rows (the whole result would take {materialized / (1024 * 1024)} MB)");
    }

    /// <summary>The process's resident memory in bytes (/proc/self/statm), native allocations (DuckDB's) included.</summary>
    private static long Resident()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }
}
