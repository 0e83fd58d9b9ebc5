namespace Ladle.Core.Policy;

/// <summary>Who is asking: a named user or service with attributes (used by row filters).</summary>
public sealed record Principal(string Name, IReadOnlyDictionary<string, string> Attributes, bool IsAnonymous = false)
{
    /// <summary>The principal of requests without credentials, allowed only when the server runs with --dev.</summary>
    public static Principal DevAnonymous { get; } = new("anonymous", new Dictionary<string, string>(), IsAnonymous: true);
}
