namespace Ladle.Engine.Store;

/// <summary>
/// Where published versions are shared between nodes: each version written once, complete or not at all, under a
/// name made of its dataset and number, and read by every node that did not build it. A folder every node mounts
/// today (<see cref="FolderVersionStorage"/>); object storage fits the same three calls (stage locally, upload, write
/// the version's marker last; download or read in place; delete).
/// </summary>
public interface IVersionStorage
{
    /// <summary>Where the storage is, for messages and logs.</summary>
    string Location { get; }

    /// <summary>
    /// Writes a version: <paramref name="write"/> fills a staging folder of this machine, which becomes the version
    /// only once whole (no reader ever sees part of it).
    /// </summary>
    /// <exception cref="SharedStorageException">The storage cannot be written, or already holds this version.</exception>
    Task WriteAsync(string dataset, long version, Func<string, CancellationToken, Task> write, CancellationToken cancellationToken);

    /// <summary>A local folder holding the whole version, or null when the storage does not hold it.</summary>
    /// <exception cref="SharedStorageException">The storage cannot be read.</exception>
    Task<string?> LocateAsync(string dataset, long version, CancellationToken cancellationToken);

    /// <summary>Removes a version (retired past retention everywhere): gone as a whole, never half.</summary>
    Task DeleteAsync(string dataset, long version, CancellationToken cancellationToken);

    /// <summary>
    /// Removes what no node needs any more, judged by each version's status in the shared state (<paramref name="status"/>;
    /// null when the state does not know it): the staging leftovers of writes whose version is no longer building (a
    /// node killed mid-write), of deletes cut short, and version folders of versions that ended failed, interrupted or
    /// dropped (a node that died between writing the files and publishing, or a delete that failed). A version still
    /// building or published is never touched, so no node loses files it may still load. Returns what it removed.
    /// </summary>
    Task<IReadOnlyList<string>> RemoveLeftoversAsync(Func<string, long, State.VersionStatus?> status, CancellationToken cancellationToken);
}
