using System.Globalization;
using System.Text.RegularExpressions;
using Ladle.Engine.State;

namespace Ladle.Engine.Store;

/// <summary>
/// Versions under a folder every node mounts (<c>storage: { kind: folder, path: … }</c>):
/// <c>&lt;path&gt;/&lt;dataset&gt;/v&lt;N&gt;/</c> holds <c>data.parquet</c> and <c>version.json</c>. A version is written
/// into <c>&lt;path&gt;/.staging/</c> (the same file system) and renamed into place once whole, so a reader finds the
/// folder complete or not at all; deleting renames it back out before removing the files, for the same reason.
/// </summary>
public sealed partial class FolderVersionStorage : IVersionStorage
{
    private readonly string _root;

    /// <param name="root">The shared folder (created when missing).</param>
    /// <param name="origin">Where it is configured, for messages (ladle.yaml's line).</param>
    public FolderVersionStorage(string root, string? origin = null)
    {
        _root = Path.GetFullPath(root);
        Location = origin is null ? _root : $"{_root} (storage: at {origin})";
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <summary>The folder of a version, whether or not it exists.</summary>
    public string FolderOf(string dataset, long version) =>
        Path.Combine(_root, dataset.ToLowerInvariant(), "v" + version.ToString(CultureInfo.InvariantCulture));

    /// <inheritdoc/>
    public async Task WriteAsync(string dataset, long version, Func<string, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var target = FolderOf(dataset, version);
        var staging = Path.Combine(_root, ".staging", $"{dataset.ToLowerInvariant()}-v{version.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}");
        try
        {
            // Version numbers come from the shared state and are never handed out twice: a folder already there was
            // left by a publication that died after writing it, and is the state's to explain, not this build's to replace.
            if (Directory.Exists(target))
                throw new SharedStorageException(
                    $"the shared storage {Location} already holds version {version} of '{dataset}' ({target}); a node that died while " +
                    "publishing it left it there: remove the folder if the state does not list the version as published");
            Directory.CreateDirectory(staging);
            await write(staging, cancellationToken);
            // Whole on disk before it becomes visible: a crash after the rename never leaves a truncated file behind it.
            foreach (var file in Directory.EnumerateFiles(staging))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
                stream.Flush(flushToDisk: true);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.Move(staging, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _ = Discard(staging);
            throw new SharedStorageException(
                $"version {version} of '{dataset}' could not be written to the shared storage {Location}: {e.Message.TrimEnd('.')}; " +
                "check that the folder is mounted and writable on this node and has room", e);
        }
        catch
        {
            _ = Discard(staging);
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<string?> LocateAsync(string dataset, long version, CancellationToken cancellationToken)
    {
        var folder = FolderOf(dataset, version);
        try
        {
            return Task.FromResult(Directory.Exists(folder) ? folder : null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharedStorageException($"the shared storage {Location} cannot be read: {e.Message.TrimEnd('.')}; check that it is mounted on this node", e);
        }
    }

    /// <inheritdoc/>
    public Task DeleteAsync(string dataset, long version, CancellationToken cancellationToken)
    {
        var folder = FolderOf(dataset, version);
        if (!Directory.Exists(folder)) return Task.CompletedTask;
        var leaving = Path.Combine(_root, ".staging", $"deleting-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(Path.Combine(_root, ".staging"));
            Directory.Move(folder, leaving);
        }
        catch (DirectoryNotFoundException)
        {
            // Another node retired it first.
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharedStorageException($"version {version} of '{dataset}' could not be removed from the shared storage {Location}: {e.Message.TrimEnd('.')}", e);
        }
        _ = Discard(leaving);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> RemoveLeftoversAsync(Func<string, long, VersionStatus?> status, CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        var staging = Path.Combine(_root, ".staging");
        try
        {
            if (Directory.Exists(staging))
            {
                foreach (var entry in Directory.EnumerateDirectories(staging))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var name = Path.GetFileName(entry);
                    if (StagingName().Match(name) is { Success: true } write)
                    {
                        var version = long.Parse(write.Groups["version"].Value, CultureInfo.InvariantCulture);
                        var known = status(write.Groups["dataset"].Value, version);
                        // A write of a version still building may be under way; one the state does not know yet may have
                        // just begun (its attempt recorded after the state was read): only an hour without a change says otherwise.
                        if (known == VersionStatus.Building || (known is null && Directory.GetLastWriteTimeUtc(entry) > DateTime.UtcNow - UnknownStagingKept)) continue;
                    }
                    else if (!name.StartsWith("deleting-", StringComparison.Ordinal)) continue;
                    if (Discard(entry)) removed.Add(entry);
                }
            }
            foreach (var datasetFolder in Directory.Exists(_root) ? Directory.EnumerateDirectories(_root) : [])
            {
                var dataset = Path.GetFileName(datasetFolder);
                if (dataset == ".staging") continue;
                foreach (var versionFolder in Directory.EnumerateDirectories(datasetFolder, "v*"))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!long.TryParse(Path.GetFileName(versionFolder)[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var version)) continue;
                    if (status(dataset, version) is not (VersionStatus.Failed or VersionStatus.Interrupted or VersionStatus.Dropped or VersionStatus.Quarantined)) continue;
                    // Renamed out first, as a delete is, so that no node finds it half removed.
                    var leaving = Path.Combine(staging, $"deleting-{Guid.NewGuid():N}");
                    Directory.CreateDirectory(staging);
                    try { Directory.Move(versionFolder, leaving); }
                    catch (DirectoryNotFoundException) { continue; }
                    if (Discard(leaving)) removed.Add(versionFolder);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharedStorageException($"leftovers in the shared storage {Location} could not be removed: {e.Message.TrimEnd('.')}", e);
        }
        return Task.FromResult<IReadOnlyList<string>>(removed);
    }

    /// <summary>How long a staging folder of a version the state does not know is left alone.</summary>
    private static readonly TimeSpan UnknownStagingKept = TimeSpan.FromHours(1);

    [GeneratedRegex("^(?<dataset>.+)-v(?<version>[0-9]+)-[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex StagingName();

    private static bool Discard(string folder)
    {
        try
        {
            if (!Directory.Exists(folder)) return false;
            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover under .staging harms no reader; the next cleanup tries again.
            return false;
        }
    }
}
