namespace Ladle.Core.Policy;

/// <summary>How a request proved who it is.</summary>
public enum AuthMethod : byte
{
    /// <summary>No credentials, on a server started with --dev.</summary>
    Dev,

    /// <summary>An API token issued by `ladle tokens create`.</summary>
    Token,

    /// <summary>A short-lived signed embed token.</summary>
    Embed,

    /// <summary>The machine's own user at the CLI.</summary>
    Local,
}

/// <summary>
/// Who is asking: a principal of access.yaml with its attributes (used by row filters), and for embed tokens
/// the datasets and metrics the token narrows it to.
/// </summary>
public sealed record Principal(string Name, IReadOnlyDictionary<string, string> Attributes, bool IsAnonymous = false)
{
    public AuthMethod Method { get; init; } = AuthMethod.Token;

    /// <summary>For embed tokens: the only datasets it may read (null: no narrowing).</summary>
    public IReadOnlyList<string>? AllowedDatasets { get; init; }

    /// <summary>For embed tokens: the only metrics it may query (null: no narrowing).</summary>
    public IReadOnlyList<string>? AllowedMetrics { get; init; }

    /// <summary>For embed tokens: the only dashboards it may open (null: no narrowing).</summary>
    public IReadOnlyList<string>? AllowedDashboards { get; init; }

    /// <summary>For embed tokens: whether it may export (csv, …) what it may read, through the same row filters; false unless signed so.</summary>
    public bool MayExport { get; init; }

    /// <summary>For embed tokens: who the page is for (its end user or tenant); keys rate limits and is audited.</summary>
    public string? Subject { get; init; }

    /// <summary>The principal of requests without credentials, allowed only when the server runs with --dev.</summary>
    public static Principal DevAnonymous { get; } = new("anonymous", new Dictionary<string, string>(), IsAnonymous: true) { Method = AuthMethod.Dev };

    /// <summary>The owner of the machine running a CLI command that reads the project directly.</summary>
    public static Principal Local { get; } = new("local", new Dictionary<string, string>()) { Method = AuthMethod.Local };
}
