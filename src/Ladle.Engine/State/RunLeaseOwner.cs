using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ladle.Engine.State;

/// <summary>
/// Names of run lease owners: <c>machine:pid:run</c>, unique to one run of one process, so that a lease left by a
/// process of this machine that no longer runs (killed) can be told apart from one held by a live process or by
/// another machine.
/// </summary>
public static class RunLeaseOwner
{
    // Owners of this process whose run has not ended: a lease of this process under any other owner was left by a
    // run that could not give it up (the state store refused the release, e.g. with the disk full).
    private static readonly ConcurrentDictionary<string, byte> Live = new(StringComparer.Ordinal);

    /// <summary>A new owner name for one run of this process, live until <see cref="Retire"/>.</summary>
    public static string New()
    {
        var owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        Live[owner] = 0;
        return owner;
    }

    /// <summary>The run of <paramref name="owner"/> has ended: a lease still recorded under it is left over.</summary>
    public static void Retire(string owner) => Live.TryRemove(owner, out _);

    /// <summary>
    /// True when <paramref name="owner"/> names a process of this machine that is gone, or a run of this process that
    /// has ended: its lease can be taken over at once rather than waited out. A holder on another machine is never
    /// judged (only its lease's expiry tells).
    /// </summary>
    public static bool IsGone(string owner)
    {
        var parts = owner.Split(':');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], out var pid)) return false;
        if (pid == Environment.ProcessId) return !Live.ContainsKey(owner);
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
