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

/// <summary>
/// <c>sync run --plan ID</c> named a plan that is no longer what a run would send: the source published another
/// version, the ledger moved (another run delivered, a rejection arrived) or the definition changed. Nothing was sent.
/// </summary>
public sealed class SyncPlanMovedException(string sync, string asked, SyncPlan now)
    : LadleException($"sync '{sync}' did not run: plan {asked} is no longer what it would send ({Moved(asked, now)}); nothing was sent. " +
                     $"Look at the new plan {now.Id} ({now.Counts.Creates:N0} create, {now.Counts.Updates:N0} update, {now.Counts.Deletes:N0} delete) " +
                     $"with 'ladle sync plan {sync}' and run that one")
{
    public override string Kind => "sync-plan-moved";
    public override ErrorCategory Category => ErrorCategory.Conflict;

    /// <summary>The plan a run would apply now.</summary>
    public SyncPlan Current { get; } = now;

    private static string Moved(string asked, SyncPlan now)
    {
        var dash = asked.IndexOf('-', StringComparison.Ordinal);
        var version = asked[..dash];
        var (definition, ledger) = (asked.Substring(dash + 1, 8), asked.Substring(dash + 9, 8));
        var nowDash = now.Id.IndexOf('-', StringComparison.Ordinal);
        var moved = new List<string>();
        if (version != now.SourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            moved.Add($"the source moved from version {version} to {now.SourceVersion}");
        if (!string.Equals(definition, now.Id.Substring(nowDash + 1, 8), StringComparison.OrdinalIgnoreCase))
            moved.Add("the sync's definition changed");
        if (!string.Equals(ledger, now.Id.Substring(nowDash + 9, 8), StringComparison.OrdinalIgnoreCase))
            moved.Add("the ledger moved: rows were acknowledged or rejected since");
        return moved.Count > 0 ? string.Join("; ", moved) : "the rows it would send changed (the principal's access or the data read)";
    }
}
