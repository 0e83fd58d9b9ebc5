namespace Ladle.Engine.Internal;

/// <summary>
/// The store and the state hold every row and every token hash: only the user running Ladle may read them. Folders
/// Ladle creates are 0700 (and an existing <c>.ladle</c> folder is tightened to it), the database files 0600.
/// </summary>
internal static class PrivateFiles
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder that holds <paramref name="file"/> readable by its owner only.</summary>
    public static void CreateFolderOf(string file)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, OwnerOnlyFolder);
        // A project's own folder, possibly made world-readable by an earlier version: ours to tighten. A folder the
        // user chose for the store (store: /data/…) keeps the mode they gave it.
        else if (Path.GetFileName(folder) == ".ladle") File.SetUnixFileMode(folder, OwnerOnlyFolder);
    }

    /// <summary>Makes <paramref name="file"/> and its journal files (-wal, -shm, .wal) readable by their owner only.</summary>
    public static void Restrict(string file)
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var path in new[] { file, file + "-wal", file + "-shm", file + ".wal" })
            if (File.Exists(path)) File.SetUnixFileMode(path, OwnerOnlyFile);
    }
}
