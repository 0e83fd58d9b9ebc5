using Ladle.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.State;

/// <summary>
/// Opens the state store a project's <c>state:</c> setting names; the one place that knows the backends. Callers
/// hand each part only the concern it uses (<see cref="ITokenStore"/> to the token service, <see cref="IAuditStore"/>
/// to the audit writer, …). A new backend adds its <see cref="StateKind"/> and one arm to each switch.
/// </summary>
public static class StateStoreFactory
{
    /// <summary>The project's state store, not yet initialized (the caller, or <see cref="OpenAsync"/>, does that).</summary>
    /// <param name="clock">The clock run leases expire by (the system clock by default).</param>
    public static IStateStore Create(ProjectDefinition project, TimeProvider? clock = null) => project.State.Kind switch
    {
        StateKind.Sqlite => new SqliteStateStore(project.StatePath, clock),
        StateKind.Postgres => CreatePostgres(project.State, clock),
        _ => throw new InvalidOperationException($"no state store for state kind {project.State.Kind}"),
    };

    /// <summary>The PostgreSQL store <c>state: { kind: postgres, connection_env: … }</c> names.</summary>
    /// <exception cref="StateUnavailableException">The variable is not set, or what it holds is no connection string.</exception>
    private static PostgresStateStore CreatePostgres(StateSettings settings, TimeProvider? clock)
    {
        var variable = settings.ConnectionEnv ?? throw new InvalidOperationException("a postgres state without connection_env passed validation");
        var where = settings.Location?.ToString() ?? "ladle.yaml";
        var connectionString = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new StateUnavailableException(
                $"{where}: the state store (kind: postgres) has no connection string: the environment variable {variable} is not set; " +
                $"export it before starting Ladle, e.g. {variable}='Host=db.internal;Database=ladle;Username=ladle;Password=…'");
        try
        {
            return new PostgresStateStore(connectionString, settings.Schema ?? PostgresStateStore.DefaultSchema, clock, $"{variable} (state: at {where})");
        }
        catch (ArgumentException e)
        {
            // Npgsql names the keyword it does not know, never the values (the password).
            throw new StateUnavailableException($"{where}: the environment variable {variable} does not hold a PostgreSQL connection string: {e.Message}", e);
        }
    }

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
        // A shared database is never "missing" like a lost file: an empty schema beside a store holding versions is
        // still refused at start (recovery finds versions the state cannot explain).
        StateKind.Postgres => true,
        _ => throw new InvalidOperationException($"no state store for state kind {project.State.Kind}"),
    };

    /// <summary>The engine's view of a store: full disks become <see cref="StorageFullException"/> and feed <paramref name="writes"/>.</summary>
    internal static GuardedStateStore Guard(IStateStore state, WriteHealth writes, TimeProvider clock, ILogger logger) =>
        new(state, state.Location, writes, clock, logger);
}
