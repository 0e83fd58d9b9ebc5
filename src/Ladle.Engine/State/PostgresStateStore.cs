using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace Ladle.Engine.State;

/// <summary>
/// The shared state store: Ladle's records in one schema of a PostgreSQL database, so that several nodes (and the
/// CLI on another machine) read and write the same versions, checks, incidents, tokens, audit and run leases. Every
/// concern lives in a partial file of its own (<c>PostgresStateStore.Versions.cs</c>, …), as in
/// <see cref="SqliteStateStore"/>, whose behaviour it matches: the same contract tests run against both.
/// </summary>
/// <remarks>
/// Text columns use the "C" collation so that ORDER BY sorts by code point as SQLite does; times are
/// <c>timestamptz</c>, kept to the microsecond (<see cref="StateTime"/>); the schema is created and upgraded by
/// numbered migrations under a transaction-level advisory lock (<c>PostgresStateStore.Migrations.cs</c>).
/// </remarks>
public sealed partial class PostgresStateStore : IStateStore
{
    /// <summary>The schema used when ladle.yaml names none.</summary>
    public const string DefaultSchema = "ladle";

    private static readonly Regex SchemaName = new("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant);

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _listenSource;
    private readonly TimeProvider _clock;
    private readonly string _origin;

    /// <param name="connectionString">An Npgsql connection string (from the environment, never from YAML).</param>
    /// <param name="schema">The schema holding Ladle's tables (created when missing): lower-case letters, digits and '_'.</param>
    /// <param name="clock">The clock run leases expire by.</param>
    /// <param name="origin">Where the connection string came from, for messages (the variable and ladle.yaml's line).</param>
    /// <exception cref="ArgumentException">The schema name is not a plain lower-case identifier, or the connection string does not parse.</exception>
    public PostgresStateStore(string connectionString, string schema = DefaultSchema, TimeProvider? clock = null, string? origin = null)
    {
        if (!SchemaName.IsMatch(schema))
            throw new ArgumentException($"state schema '{schema}' is not a plain identifier: use lower-case letters, digits and '_', starting with a letter", nameof(schema));
        Schema = schema;
        _clock = clock ?? TimeProvider.System;
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            // Every statement names tables without a schema: the search path is this store's schema only.
            SearchPath = schema,
            Timezone = "UTC",
            ApplicationName = "ladle-state",
        };
        _origin = origin ?? "the connection string";
        Location = $"postgres://{builder.Host}:{builder.Port}/{builder.Database} (schema {schema})";
        _dataSource = NpgsqlDataSource.Create(builder);
        // The LISTEN connection is named apart, so an operator sees which session carries a node's notifications.
        _listenSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { ApplicationName = "ladle-listen", Pooling = false });
    }

    /// <summary>The schema holding the tables.</summary>
    public string Schema { get; }

    /// <inheritdoc/>
    /// <remarks>Host, port, database and schema: never the user or password.</remarks>
    public string Location { get; }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
        {
            throw new StateUnavailableException(
                $"the state store at {Location} is unreachable: {Describe(e)}; check that the server runs and accepts connections, " +
                $"and that {_origin} holds the right connection string", e);
        }
    }

    private static string Describe(Exception e) => e switch
    {
        PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
        _ when e.InnerException is { } inner and not PostgresException => $"{e.Message.TrimEnd('.')} ({inner.Message.TrimEnd('.')})",
        _ => e.Message.TrimEnd('.'),
    };

    private async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A command whose positional parameters ($1, $2, …) are <paramref name="parameters"/>, nulls as typed NULLs.</summary>
    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters) command.Parameters.Add(Parameter(value));
        return command;
    }

    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        NpgsqlParameter typed => typed,
        null => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown },
        DateTimeOffset at => new NpgsqlParameter { Value = StateTime.Utc(at), NpgsqlDbType = NpgsqlDbType.TimestampTz },
        string text => new NpgsqlParameter { Value = text, NpgsqlDbType = NpgsqlDbType.Text },
        long number => new NpgsqlParameter { Value = number, NpgsqlDbType = NpgsqlDbType.Bigint },
        int number => new NpgsqlParameter { Value = (long)number, NpgsqlDbType = NpgsqlDbType.Bigint },
        double number => new NpgsqlParameter { Value = number, NpgsqlDbType = NpgsqlDbType.Double },
        bool flag => new NpgsqlParameter { Value = flag, NpgsqlDbType = NpgsqlDbType.Boolean },
        _ => new NpgsqlParameter { Value = value },
    };

    /// <summary>A typed NULL (or value) for parameters whose type PostgreSQL cannot infer from a null.</summary>
    private static NpgsqlParameter Typed(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private static DateTimeOffset At(NpgsqlDataReader reader, int ordinal) => new(reader.GetFieldValue<DateTime>(ordinal), TimeSpan.Zero);

    private static DateTimeOffset? NullableAt(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : At(reader, ordinal);

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? NullableLong(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public async ValueTask DisposeAsync()
    {
        await _listenSource.DisposeAsync();
        await _dataSource.DisposeAsync();
    }
}
