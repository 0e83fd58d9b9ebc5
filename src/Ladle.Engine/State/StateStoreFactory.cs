using Ladle.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.State;

/// <summary>
/// Opens the state store a project's <c>state:</c> setting names; the one place that knows the backends. Callers
/// hand each part only the concern it uses (<see cref="ITokenStore"/> to the token service, <see cref="IAuditStore"/>
/// to the audit writer, …). A new backend (PostgreSQL) adds its <see cref="StateKind"/> and one arm to each switch.
/// </summary>
public static class StateStoreFactory
{
    /// <summary>The project's state store, not yet initialized (the caller, or <see cref="OpenAsync"/>, does that).</summary>
    /// <param name="clock">The clock run leases expire by (the system clock by default).</param>
    public static IStateStore Create(ProjectDefinition project, TimeProvider? clock = null) => project.State.Kind switch
    {
        StateKind.Sqlite => new SqliteStateStore(project.StatePath, clock),
        _ => throw new InvalidOperationException($"no state store for state kind {project.State.Kind}"),
    };

    /// <summary>The project's state store, its schema created or upgraded.</summary>
    public static async Task<IStateStore> OpenAsync(ProjectDefinition project, CancellationToken cancellationToken, TimeProvider? clock = null)
    {
        var state = Create(project, clock);
        try
        {
            await state.InitializeAsync(cancellationToken);
        }
        catch
        {
            await state.DisposeAsync();
            throw;
        }
        return state;
    }

    /// <summary>
    /// True when the project's state already exists. A missing state beside a store that holds versions is refused
    /// rather than created, so recovery never mistakes every version for one the state cannot explain.
    /// </summary>
    public static bool Exists(ProjectDefinition project) => project.State.Kind switch
    {
        StateKind.Sqlite => File.Exists(project.StatePath),
        _ => throw new InvalidOperationException($"no state store for state kind {project.State.Kind}"),
    };

    /// <summary>The engine's view of a store: full disks become <see cref="StorageFullException"/> and feed <paramref name="writes"/>.</summary>
    internal static GuardedStateStore Guard(IStateStore state, WriteHealth writes, TimeProvider clock, ILogger logger) =>
        new(state, state.Location, writes, clock, logger);
}
