using Ladle.Engine.Results;
using Ladle.Engine.Trust;

namespace Ladle.Server.Queries;

/// <summary>A dataset as served now: its served version (null: live, or nothing published) and its trust status.</summary>
public sealed record DatasetStatus(DataVersion? Served, DataHealth Health);
