using System.Data.Common;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Engine.Results;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Sources;

/// <summary>The common path of connectors over an ADO.NET provider: open, bind, execute, stream.</summary>
public abstract class AdoConnector(SourceDefinition definition) : SourceConnector(definition)
{
    /// <summary>True for in-process engines whose async calls complete synchronously anyway.</summary>
    protected abstract bool SyncReads { get; }

    /// <summary>True when a column's type can vary from row to row (SQLite).</summary>
    protected virtual bool DynamicTypes => false;

    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    protected abstract DbParameter CreateParameter(string name, object value);

    /// <summary>
    /// Where an embedded engine's statements wait for a slot to execute (<see cref="SyncReads"/> only: a remote
    /// database schedules its own); null runs them at once.
    /// </summary>
    public ReadScheduler? Reads { get; set; }

    /// <summary>The serving type of a result column, from what the provider reports.</summary>
    protected virtual LadleType TypeOf(DbDataReader reader, int ordinal) => ValueGetters.TypeOf(reader.GetFieldType(ordinal));

    public override async Task<ResultStream> QueryAsync(SqlStatement statement, ResultSchema? schema, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DbConnection? connection = null;
        DbCommand? command = null;
        var guard = new StatementGuard(cancellationToken, StatementTimeout);
        try
        {
            connection = await OpenConnectionAsync(cancellationToken);
            command = connection.CreateCommand();
            command.CommandText = statement.Text;
            for (var i = 0; i < statement.Parameters.Count; i++)
                command.Parameters.Add(CreateParameter(Dialect.ParameterName(i), statement.Parameters[i]));
            // Cancelling the request (or the statement timeout) stops the query in the source while it runs, not just our reading of it.
            guard.Interrupt(command);
            var running = command;
            var reader = SyncReads
                ? await ExecuteEmbeddedAsync(running, guard.Token)
                : await command.ExecuteReaderAsync(guard.Token);
            guard.Disarm();
            schema ??= new ResultSchema(Enumerable.Range(0, reader.FieldCount)
                .Select(i => new ResultColumn(reader.GetName(i), TypeOf(reader, i))).ToList());
            return new DbResultStream(reader, schema, [guard, command, connection], SyncReads, DynamicTypes);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or IOException or OperationCanceledException)
        {
            var stopped = guard.Explain();
            await guard.DisposeAsync();
            if (command is not null) await command.DisposeAsync();
            if (connection is not null) await connection.DisposeAsync();
            if (stopped is not null) throw stopped;
            if (e is OperationCanceledException) throw;
            throw Unavailable(e);
        }
    }

    /// <summary>
    /// Executes on an embedded engine: after waiting for a slot (within the caller's cancellation and the statement
    /// timeout, both in <paramref name="stop"/>), on a thread of its own, not one the server needs to answer requests.
    /// </summary>
    private async Task<DbDataReader> ExecuteEmbeddedAsync(DbCommand command, CancellationToken stop)
    {
        if (Reads is null) return await StatementGuard.Dedicated(command.ExecuteReader);
        using var slot = await Reads.EnterAsync(stop);
        return await StatementGuard.Dedicated(command.ExecuteReader);
    }

    /// <summary>
    /// The source's error naming this source, with the provider's own words where they cannot quote a row
    /// (<see cref="EngineErrors"/>): a statement the source refuses (a syntax error, a missing table) is the
    /// definition's to fix and is not retried; anything else (a refused or lost connection) is an outage, worth waiting out.
    /// </summary>
    protected LadleException Unavailable(Exception e)
    {
        var source = $"source '{Definition.Name}' ({Definition.Kind.ToString().ToLowerInvariant()})";
        return EngineErrors.IsDefinitionError(e)
            ? new QueryFailedException($"{source} refused the query: {EngineErrors.Describe(e)}", e)
            : new SourceUnavailableException(Definition.Name, $"{source} failed: {EngineErrors.Describe(e)}", e);
    }
}
