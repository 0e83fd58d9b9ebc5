namespace Ladle.Engine.State;

/// <summary>What changed in a shared state store, as another node (or the CLI on another machine) tells it.</summary>
public enum StateChangeKind : byte
{
    /// <summary>A dataset's versions changed: one published, quarantined or failed.</summary>
    Versions,

    /// <summary>A token was revoked.</summary>
    Tokens,

    /// <summary>
    /// Changes may have been missed (the listening connection was down, or the periodic reconcile is due): compare
    /// everything with the state.
    /// </summary>
    Resync,
}

/// <summary>One change of the shared state: its kind and, for <see cref="StateChangeKind.Versions"/>, the dataset.</summary>
public sealed record StateChange(StateChangeKind Kind, string? Subject = null)
{
    /// <summary>Everything may have changed.</summary>
    public static StateChange Resync { get; } = new(StateChangeKind.Resync);

    /// <summary>The notification's payload: <c>versions:&lt;dataset&gt;</c>, <c>tokens:&lt;id&gt;</c>.</summary>
    public string ToPayload() => $"{Kind.ToString().ToLowerInvariant()}:{Subject}";

    /// <summary>The change a payload names, or a resync for a payload this build does not know (a newer node's).</summary>
    public static StateChange Parse(string payload)
    {
        var colon = payload.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return Resync;
        var subject = payload[(colon + 1)..];
        return payload[..colon] switch
        {
            "versions" => new StateChange(StateChangeKind.Versions, subject),
            "tokens" => new StateChange(StateChangeKind.Tokens, subject),
            _ => Resync,
        };
    }
}

/// <summary>
/// A state store shared by several nodes that tells each of them what the others change (PostgreSQL's
/// LISTEN/NOTIFY), so caches of it stay exact everywhere.
/// </summary>
public interface IStateChangeFeed
{
    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> is cancelled, handing each change to <paramref name="onChange"/>
    /// one at a time. A <see cref="StateChange.Resync"/> comes first, after every reconnection (notifications sent
    /// while the connection was down are lost) and every <paramref name="reconcileEvery"/>.
    /// </summary>
    Task ListenAsync(Func<StateChange, CancellationToken, Task> onChange, TimeSpan reconcileEvery, CancellationToken cancellationToken);
}
