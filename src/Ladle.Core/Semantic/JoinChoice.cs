using Ladle.Core.Errors;

namespace Ladle.Core.Semantic;

/// <summary>
/// A join a model declares: which path to take to another model when several exist, or a named alias for one
/// path (role-playing: origin_airport and destination_airport both reach airports).
/// </summary>
public sealed record JoinChoice(string? Name, string To, IReadOnlyList<string> Via, SourceLocation Location)
{
    /// <summary>The prefix dimensions of the joined model are addressed by.</summary>
    public string Prefix => Name ?? To;
}
