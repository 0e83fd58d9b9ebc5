namespace Ladle.Engine.State;

/// <summary>
/// Run claims (<see cref="IRunClaims"/>) in the <c>run_claims</c> table: the primary key (dataset, occasion) is the
/// arbiter, so of several nodes inserting the same claim exactly one inserts a row. Claims older than a week are
/// pruned by the claims that follow (an occasion is never claimed again that late).
/// </summary>
public sealed partial class PostgresStateStore : IRunClaims
{
    private static readonly TimeSpan ClaimsKept = TimeSpan.FromDays(7);

    public async Task<IReadOnlyList<string>> TryClaimRunsAsync(IReadOnlyList<(string Dataset, string Occasion)> runs, string node, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        if (runs.Count == 0) return [];
        await using var connection = await OpenAsync(cancellationToken);
        // One statement, rows inserted in one order by every node: the node whose first row lands first holds every
        // row of the group until it commits, so a racing node waits and then finds them all taken.
        await using var command = Command(connection, """
            WITH pruned AS (DELETE FROM run_claims WHERE claimed_at < $5)
            INSERT INTO run_claims (dataset, occasion, node, claimed_at)
            SELECT c.dataset, c.occasion, $3, $4 FROM unnest($1::text[], $2::text[]) AS c(dataset, occasion) ORDER BY c.dataset, c.occasion
            ON CONFLICT (dataset, occasion) DO NOTHING
            RETURNING dataset
            """, runs.Select(r => r.Dataset.ToLowerInvariant()).ToArray(), runs.Select(r => r.Occasion).ToArray(), node, at, at - ClaimsKept);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var won = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadAsync(cancellationToken)) won.Add(reader.GetString(0));
        return runs.Select(r => r.Dataset).Where(won.Contains).ToList();
    }

    public async Task<IReadOnlyList<(VersionRecord Version, string? LeaseOwner)>> ListUnfinishedAsync(CancellationToken cancellationToken)
    {
        var unfinished = await QueryVersionsAsync($"""
            SELECT {VersionColumns} FROM versions v WHERE status IN ('building', 'interrupted')
            AND NOT EXISTS (SELECT 1 FROM versions n WHERE n.dataset = v.dataset AND n.version > v.version)
            ORDER BY dataset
            """, cancellationToken);
        if (unfinished.Count == 0) return [];
        var owners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        await using (var connection = await OpenAsync(cancellationToken))
        await using (var command = Command(connection, "SELECT dataset, owner FROM run_leases WHERE expires_at > $1", _clock.GetUtcNow()))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) owners[reader.GetString(0)] = reader.GetString(1);
        }
        return unfinished.Select(v => (v, owners.GetValueOrDefault(v.Dataset))).ToList();
    }

    public async Task<bool> AbandonBuildAsync(string dataset, long version, string reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE versions SET status = 'interrupted', finished_at = $3, error = $4 WHERE dataset = $1 AND version = $2 AND status = 'building'",
            cancellationToken, dataset, version, at, reason) == 1;
}
