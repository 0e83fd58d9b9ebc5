using Ladle.Core.Errors;

namespace Ladle.Engine.State;

/// <summary>
/// Ladle will not start (or recover) because doing so would destroy data the state cannot explain: the state file
/// is missing or older than the store, or a server holds the store while `ladle recover` would rewrite the state.
/// </summary>
public sealed class RecoveryRefusedException(string message, Exception? inner = null) : LadleException(message, inner)
{
    public override string Kind => "recovery-refused";
    public override ErrorCategory Category => ErrorCategory.Conflict;

    /// <summary>The state file is gone but the store holds versions: starting would drop them all.</summary>
    public static RecoveryRefusedException StateMissing(string statePath, string storePath, string held) =>
        new($"the state file {statePath} is missing, but the store {storePath} holds {held}; Ladle will not start, since " +
            $"starting would drop that data. Run 'ladle recover' to rebuild the version records from the store, " +
            $"or move {storePath} aside to start afresh");

    /// <summary>The store's manifest has versions the state does not know: the state was restored from an older copy.</summary>
    public static RecoveryRefusedException StateOlder(string statePath, string storePath, string held) =>
        new($"the state file {statePath} is older than the store {storePath}: the store holds {held} that the state does not " +
            $"know (was state.db restored from an earlier copy?); Ladle will not start, since starting would drop that data and " +
            $"reuse those version numbers. Restore the newest state.db, or run 'ladle recover' to add them to it from the store");
}
