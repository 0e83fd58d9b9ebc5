using Npgsql;

namespace Ladle.Engine.State;

/// <summary>Rate-limit windows shared by every node (<see cref="ISharedRateCounter"/>) in the <c>rate_windows</c> table.</summary>
public sealed partial class PostgresStateStore : ISharedRateCounter
{
    public async Task<long> AddAsync(string key, DateTimeOffset windowStart, long amount, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // One statement, atomic under concurrent nodes: the first use of a window inserts it, the others add to it.
        await using var command = Command(connection, """
            INSERT INTO rate_windows (key, window_start, used) VALUES ($1, $2, $3)
            ON CONFLICT (key, window_start) DO UPDATE SET used = rate_windows.used + EXCLUDED.used
            RETURNING used
            """, key, windowStart, amount);
        try
        {
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            // A limit that cannot be counted is not a server bug: the state store is what is missing (503).
            throw new StateUnavailableException($"the rate limits in the state store at {Location} cannot be counted: {Describe(e)}", e);
        }
    }

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM rate_windows WHERE window_start < $1", cancellationToken, before);
}
