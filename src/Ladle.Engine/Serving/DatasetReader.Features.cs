using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Ladle.Core.Errors;
using Ladle.Engine.Results;
using Ladle.Engine.Sql;
using Ladle.Engine.SqlGateway;
using Ladle.Engine.Store;

namespace Ladle.Engine.Serving;

public sealed partial class DatasetReader
{
    /// <summary>The connection-local table a feature read's entity rows are loaded into (gone with its connection).</summary>
    internal const string EntityTable = "ladle_entity_rows";

    /// <summary>The entity rows as the point-in-time SQL reads them: their own columns, and their position as <c>ladle_row</c>.</summary>
    internal const string EntityRelation = "(SELECT rowid AS ladle_row, * FROM temp.main." + EntityTable + ")";

    /// <summary>
    /// Runs a feature read in the store: loads the entity rows (<paramref name="entities"/>: a SELECT over an uploaded
    /// file or a dataset's scoped relation, with its values) into a temporary table of one connection, lets
    /// <paramref name="compose"/> check their columns and write the statement, and runs it there under the statement
    /// timeout and a read slot, like every store read. <paramref name="onDispose"/> releases the versions' leases.
    /// </summary>
    internal async Task<ResultStream> QueryWithEntitiesAsync(SqlStatement entities, Func<IReadOnlyList<ResultColumn>, SqlStatement> compose, Action onDispose, CancellationToken cancellationToken)
    {
        var connector = _connectors.Store;
        DuckDBConnection? connection = null;
        DbCommand? command = null;
        var guard = new StatementGuard(cancellationToken, connector.StatementTimeout);
        try
        {
            connection = await Task.Run(_store.Open, cancellationToken);
            var open = connection;
            IReadOnlyList<ResultColumn> columns;
            using (var slot = connector.Reads is { } waiting ? await waiting.EnterAsync(guard.Token) : null)
                columns = await StatementGuard.Dedicated(() => LoadEntities(open, entities, guard));
            var statement = compose(columns);
            command = connection.CreateCommand();
            command.CommandText = statement.Text;
            for (var i = 0; i < statement.Parameters.Count; i++)
                command.Parameters.Add(new DuckDBParameter(SqlDialect.DuckDb.ParameterName(i), statement.Parameters[i]));
            guard.Interrupt(command);
            var running = command;
            DbDataReader reader;
            using (var slot = connector.Reads is { } reads ? await reads.EnterAsync(guard.Token) : null)
                reader = await StatementGuard.Dedicated(running.ExecuteReader);
            guard.Disarm();
            var schema = new ResultSchema(Enumerable.Range(0, reader.FieldCount)
                .Select(i => new ResultColumn(reader.GetName(i), ValueGetters.TypeOf(reader.GetFieldType(i))) { EngineType = EngineTypes.Name(reader.GetDataTypeName(i)) }).ToList());
            return new DbResultStream(reader, schema, [guard, command, connection], syncReads: true, dynamicTypes: false, onDispose);
        }
        catch (Exception e)
        {
            var stopped = guard.Explain();
            await guard.DisposeAsync();
            if (command is not null) await command.DisposeAsync();
            if (connection is not null) await connection.DisposeAsync();
            onDispose();
            if (stopped is not null) throw stopped;
            if (e is DbException && EngineErrors.IsEngineError(e))
                throw new QueryFailedException($"the feature read failed in the store: {EngineErrors.Describe(e)}", e);
            throw;
        }
    }

    /// <summary>
    /// A training set DuckDB encodes itself (<see cref="NativeExport"/>): the entity rows loaded as by
    /// <see cref="QueryWithEntitiesAsync"/>, the statement bound once here (an error is raised before any byte is
    /// sent), and the COPY run later on the same connection. <paramref name="onDispose"/> runs when the export is disposed.
    /// </summary>
    internal async Task<NativeExport> ExportWithEntitiesAsync(SqlStatement entities, Func<IReadOnlyList<ResultColumn>, SqlStatement> compose, Action onDispose, CancellationToken cancellationToken)
    {
        var connector = _connectors.Store;
        DuckDBConnection? connection = null;
        var guard = new StatementGuard(cancellationToken, connector.StatementTimeout);
        try
        {
            connection = await Task.Run(_store.Open, cancellationToken);
            var open = connection;
            IReadOnlyList<ResultColumn> columns;
            using (var slot = connector.Reads is { } waiting ? await waiting.EnterAsync(guard.Token) : null)
                columns = await StatementGuard.Dedicated(() => LoadEntities(open, entities, guard));
            var statement = compose(columns);
            var schema = await StatementGuard.Dedicated(() =>
            {
                using var probe = open.CreateCommand();
                probe.CommandText = $"SELECT * FROM ({statement.Text}) AS bound LIMIT 0";
                for (var i = 0; i < statement.Parameters.Count; i++)
                    probe.Parameters.Add(new DuckDBParameter(SqlDialect.DuckDb.ParameterName(i), statement.Parameters[i]));
                using var reader = probe.ExecuteReader();
                return new ResultSchema(Enumerable.Range(0, reader.FieldCount)
                    .Select(i => new ResultColumn(reader.GetName(i), ValueGetters.TypeOf(reader.GetFieldType(i))) { EngineType = EngineTypes.Name(reader.GetDataTypeName(i)) }).ToList());
            });
            await guard.DisposeAsync();
            return new NativeExport(_store, statement, schema, null, new ExportRelease(connection, onDispose), connector.StatementTimeout, connection);
        }
        catch (Exception e)
        {
            var stopped = guard.Explain();
            await guard.DisposeAsync();
            if (connection is not null) await connection.DisposeAsync();
            onDispose();
            if (stopped is not null) throw stopped;
            if (e is DbException && EngineErrors.IsEngineError(e))
                throw new QueryFailedException($"the feature read failed in the store: {EngineErrors.Describe(e)}", e);
            throw;
        }
    }

    /// <summary>What a training set's export holds until it is disposed: its connection (with the entity rows) and the versions' leases.</summary>
    private sealed class ExportRelease(DuckDBConnection connection, Action onDispose) : IDisposable
    {
        public void Dispose()
        {
            connection.Dispose();
            onDispose();
        }
    }

    private static IReadOnlyList<ResultColumn> LoadEntities(DuckDBConnection connection, SqlStatement entities, StatementGuard guard)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE TEMP TABLE {EntityTable} AS {entities.Text}";
        for (var i = 0; i < entities.Parameters.Count; i++)
            command.Parameters.Add(new DuckDBParameter(SqlDialect.DuckDb.ParameterName(i), entities.Parameters[i]));
        guard.Interrupt(command);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (DbException e) when (EngineErrors.IsEngineError(e))
        {
            throw new InvalidRequestException($"the entity rows could not be read: {EngineErrors.Describe(e)}", "entities");
        }
        using var describe = connection.CreateCommand();
        describe.CommandText = $"SELECT * FROM temp.main.{EntityTable} LIMIT 0";
        using var reader = describe.ExecuteReader();
        return Enumerable.Range(0, reader.FieldCount)
            .Select(i => new ResultColumn(reader.GetName(i), ValueGetters.TypeOf(reader.GetFieldType(i))) { EngineType = EngineTypes.Name(reader.GetDataTypeName(i)) }).ToList();
    }

    /// <summary>A scoped SELECT's <c>$pN</c> placeholders moved past <paramref name="offset"/> values, to sit in a larger statement.</summary>
    internal static string Renumber(string text, int offset) =>
        offset == 0 ? text : PlaceholderRegex().Replace(text, m => "$p" + (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + offset).ToString(CultureInfo.InvariantCulture));

    // Scoped SELECTs quote every identifier and bind every value, so a $p outside a placeholder cannot occur in them.
    [GeneratedRegex(@"\$p(\d+)\b")]
    private static partial Regex PlaceholderRegex();
}
