using System.Diagnostics;

namespace Ladle.Engine.State;

/// <summary>
/// Names of run lease owners: <c>machine:pid:run</c>, unique to one run of one process, so that a lease left by a
/// process of this machine that no longer runs (killed) can be told apart from one held by a live process or by
/// another machine.
/// </summary>
public static class RunLeaseOwner
{
    /// <summary>A new owner name for one run of this process.</summary>
    public static string New() => $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>
    /// True when <paramref name="owner"/> names a process of this machine that is gone: its lease can be taken over at
    /// once rather than waited out. A holder on another machine is never judged (only its lease's expiry tells).
    /// </summary>
    public static bool IsGone(string owner)
    {
        var parts = owner.Split(':');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], out var pid)) return false;
        if (pid == Environment.ProcessId) return false;
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
