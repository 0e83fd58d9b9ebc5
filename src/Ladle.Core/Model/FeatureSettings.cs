using Ladle.Core.Errors;

namespace Ladle.Core.Model;

/// <summary>Where online features are kept between publications.</summary>
public enum OnlineStoreKind : byte
{
    /// <summary>In this process's memory, rebuilt from the store at start (the default; one node).</summary>
    Memory,

    /// <summary>A Redis server shared by every node (StackExchange.Redis), its address in an environment variable.</summary>
    Redis,
}

/// <summary>
/// Settings under <c>features:</c> in ladle.yaml: the online store (<c>online: { kind: redis, connection_env: LADLE_REDIS }</c>)
/// and how online lookups are audited (<c>audit: { full_per_second: 20, then_one_in: 100 }</c>).
/// </summary>
public sealed record FeatureSettings
{
    public OnlineStoreKind OnlineKind { get; init; } = OnlineStoreKind.Memory;

    /// <summary>redis: the environment variable holding the StackExchange.Redis configuration string (it may carry a password).</summary>
    public string? ConnectionEnv { get; init; }

    /// <summary>redis: the prefix of every key Ladle writes (several projects can share one server).</summary>
    public string? KeyPrefix { get; init; }

    /// <summary>Lookups each principal has audited in full per second before sampling starts.</summary>
    public int AuditFullPerSecond { get; init; } = 20;

    /// <summary>Past <see cref="AuditFullPerSecond"/>, one lookup in this many is audited; the others are counted.</summary>
    public int AuditOneIn { get; init; } = 100;

    public SourceLocation? Location { get; init; }
}
