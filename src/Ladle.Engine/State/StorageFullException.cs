using Ladle.Core.Errors;

namespace Ladle.Engine.State;

/// <summary>
/// A file Ladle writes (the state store, the DuckDB store, a key file) could not be written because its disk is
/// full. Reads go on; writes fail until space is freed. HTTP 507.
/// </summary>
public sealed class StorageFullException(string file, string detail, Exception? inner = null)
    : LadleException(
        $"cannot write {file}: no space left on device ({detail}); free space on the disk that holds " +
        $"{Path.GetDirectoryName(file) ?? file} (or move the project to a larger one)",
        inner)
{
    /// <summary>The file that could not be written.</summary>
    public string File { get; } = file;

    public override string Kind => "storage-full";
    public override ErrorCategory Category => ErrorCategory.StorageFull;
}
