using Ladle.Core.Errors;

namespace Ladle.Engine.Store;

/// <summary>
/// The shared version storage (<c>storage:</c> in ladle.yaml) cannot be written or read: a folder that is not mounted,
/// not writable, or full. Transient from a run's point of view: the build fails, the served version stays, and the run
/// is retried.
/// </summary>
public sealed class SharedStorageException(string message, Exception? inner = null) : LadleException(message, inner)
{
    public override string Kind => "shared-storage";
    public override ErrorCategory Category => ErrorCategory.SourceUnavailable;
}
