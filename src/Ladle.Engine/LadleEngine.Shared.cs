using Ladle.Engine.Internal;
using Ladle.Engine.State;

namespace Ladle.Engine;

public sealed partial class LadleEngine
{
    /// <summary>
    /// Removes from the shared storage what no node needs (<see cref="Store.IVersionStorage.RemoveLeftoversAsync"/>):
    /// staging folders of writes whose version is no longer building (a node killed mid-write), and version folders
    /// the state records as failed, interrupted or dropped. Run at start and by the hourly retention pass; every
    /// node may run it, since it judges only by the shared state. Returns the paths removed (none without storage).
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveSharedLeftoversAsync(CancellationToken cancellationToken)
    {
        if (Shared is null) return [];
        var statuses = new Dictionary<(string, long), VersionStatus>();
        foreach (var version in await State.ListAllVersionsAsync(cancellationToken))
            statuses[(version.Dataset.ToLowerInvariant(), version.Version)] = version.Status;
        var removed = await Shared.RemoveLeftoversAsync(
            (dataset, version) => statuses.TryGetValue((dataset.ToLowerInvariant(), version), out var status) ? status : null, cancellationToken);
        if (removed.Count > 0) Log.SharedLeftoversRemoved(_logger, removed.Count, string.Join(", ", removed.Take(5)));
        return removed;
    }
}
