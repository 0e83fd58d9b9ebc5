using Ladle.Core.Errors;

namespace Ladle.Syncs;

/// <summary>No sync of that name in syncs/*.yaml.</summary>
public sealed class SyncNotFoundException(string name, IReadOnlyCollection<string> known)
    : LadleException($"no sync '{name}' ({Core.Loading.Suggest.Hint(name, known)}); syncs are defined in syncs/*.yaml")
{
    public override string Kind => "sync-not-found";
    public override ErrorCategory Category => ErrorCategory.NotFound;
}

/// <summary>The trust gate refused the source: its newest data failed its checks, or it is stale and the sync refuses stale data.</summary>
public sealed class SyncSourceRefusedException(string message)
    : LadleException(message)
{
    public override string Kind => "sync-source-refused";
    public override ErrorCategory Category => ErrorCategory.DatasetUnavailable;
}

/// <summary>Another process or request is running this sync.</summary>
public sealed class SyncBusyException(string name)
    : LadleException($"sync '{name}' is already running (another run holds its lease); wait for it to finish")
{
    public override string Kind => "sync-busy";
    public override ErrorCategory Category => ErrorCategory.Conflict;
}

/// <summary>A destination that cannot be used as configured (a variable not set, a table without the key's unique index).</summary>
public sealed class SyncDestinationException(string message, Exception? inner = null)
    : LadleException(message, inner)
{
    public override string Kind => "sync-destination";
    public override ErrorCategory Category => ErrorCategory.BadRequest;
}
