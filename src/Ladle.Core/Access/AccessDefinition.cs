using Ladle.Core.Errors;
using Ladle.Core.Policy;

namespace Ladle.Core.Access;

/// <summary>One grant of a role: actions on domains, datasets and metrics, optionally narrowed by a row filter.</summary>
public sealed record Grant
{
    public required IReadOnlyList<DataAction> Actions { get; init; }
    public IReadOnlyList<string> Domains { get; init; } = [];
    public IReadOnlyList<string> Datasets { get; init; } = [];
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>Streams the grant covers ('write' sends events to them).</summary>
    public IReadOnlyList<string> Streams { get; init; } = [];
    public RowFilter? RowFilter { get; init; }
    public required SourceLocation Location { get; init; }

    /// <summary>A short description for error messages and reports.</summary>
    public string Describe() =>
        $"{string.Join("+", Actions.Select(a => a.ToString().ToLowerInvariant()))} on " +
        string.Join(", ", Domains.Select(d => $"domain {d}").Concat(Datasets.Select(d => $"dataset {d}")).Concat(Metrics.Select(m => $"metric {m}")).Concat(Streams.Select(s => $"stream {s}")));
}

/// <summary>A role: a named set of grants, with PII clearance or not.</summary>
public sealed record Role
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<Grant> Grants { get; init; } = [];

    /// <summary>May see PII columns in clear.</summary>
    public bool Pii { get; init; }

    /// <summary>Every action on everything, PII included.</summary>
    public bool Admin { get; init; }

    public required SourceLocation Location { get; init; }
}

/// <summary>Who a principal is: a person or a service account.</summary>
public enum PrincipalKind : byte
{
    User,
    Service,
}

/// <summary>A principal of access.yaml: its roles and attributes.</summary>
public sealed record PrincipalDefinition
{
    public required string Name { get; init; }
    public PrincipalKind Kind { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = [];
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    public required SourceLocation Location { get; init; }
}

/// <summary>Limits on one principal's use.</summary>
public sealed record RateLimit(double? RequestsPerSecond, long? RowsPerMinute);

/// <summary>How embed tokens are signed: keys from the environment (two for rotation), and how long they may live.</summary>
public sealed record EmbedSettings
{
    /// <summary>Environment variables holding the active signing keys, newest first; the first signs, all verify.</summary>
    public IReadOnlyList<string> KeyEnvironmentVariables { get; init; } = [];
    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>access.yaml: roles, principals, embed keys, limits, what is open without a token, audit retention.</summary>
public sealed record AccessDefinition
{
    public IReadOnlyDictionary<string, Role> Roles { get; init; } = new Dictionary<string, Role>();
    public IReadOnlyDictionary<string, PrincipalDefinition> Principals { get; init; } = new Dictionary<string, PrincipalDefinition>();
    public EmbedSettings Embed { get; init; } = new();

    /// <summary>Limits for every principal unless it has its own.</summary>
    public RateLimit? DefaultRateLimit { get; init; }
    public IReadOnlyDictionary<string, RateLimit> RateLimits { get; init; } = new Dictionary<string, RateLimit>();

    /// <summary>Requests per second a client address may fail authentication with, by default.</summary>
    public const int UnauthenticatedRequestsPerSecond = 10;

    /// <summary>Requests that fail authentication (no token, a wrong one), per client address.</summary>
    public RateLimit UnauthenticatedRateLimit { get; init; } = new(UnauthenticatedRequestsPerSecond, null);

    /// <summary>Endpoints served without a token: healthz, metrics (Prometheus), openapi (the API document). Default healthz and metrics.</summary>
    public IReadOnlyList<string> OpenEndpoints { get; init; } = ["healthz", "metrics"];

    /// <summary>Audit entries older than this are deleted by retention.</summary>
    public TimeSpan AuditRetention { get; init; } = TimeSpan.FromDays(90);

    /// <summary>The roles of a principal, resolved.</summary>
    public IEnumerable<Role> RolesOf(string principal) =>
        Principals.TryGetValue(principal, out var p) ? p.Roles.Select(r => Roles[r]) : [];

    public static AccessDefinition Empty { get; } = new();
}
