using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Policy;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Sql;
using Ladle.Engine.Store;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// A principal's SQL in the store: parsed by DuckDB's own parser (json_serialize_sql), checked and rewritten as a
/// tree (<see cref="SqlTreeChecker"/>, <see cref="SqlTreeComposer"/>), turned back into text by DuckDB
/// (json_deserialize_sql) and run on a connection whose default database is an empty in-memory one, so a name
/// the checker let through by mistake would find nothing rather than the store's views or internal tables.
/// </summary>
/// <remarks>
/// DuckDB's <c>enable_external_access</c> and <c>lock_configuration</c> are database-wide: turning them off would stop
/// the store's own loads and exports. The checked tree is therefore the sandbox (only reads; only datasets, CTEs and
/// catalog relations; no file, setting or catalog functions), the empty default database its safety net, the
/// statement timeout (server.statement_timeout) its bound in time. Memory is bounded by the store's own
/// <c>memory_limit</c> (DuckDB's default: 80% of the machine), shared with loads: one statement cannot take more.
/// </remarks>
internal sealed class GovernedSql(DuckDbStore store, StoreConnector connector)
{
    /// <summary>The empty database every governed statement runs in (attached in memory, once per store).</summary>
    public const string SandboxDatabase = "ladle_sql";

    private readonly object _gate = new();
    private string? _storeDatabase;
    private bool _setupDone;
    private SandboxConnections? _sandbox;

    /// <summary>Sandboxed connections kept between statements (a few per read slot).</summary>
    private SandboxConnections Sandbox =>
        _sandbox ?? Interlocked.CompareExchange(ref _sandbox, new SandboxConnections(Sandboxed, 2 * (connector.Reads?.Slots ?? Environment.ProcessorCount)), null) ?? _sandbox;

    /// <summary>Parses, checks and plans one statement for <paramref name="principal"/> (blocking: call on a dedicated thread).</summary>
    public SqlPlan Plan(string original, string normalized, IReadOnlyList<object?> parameters, ProjectDefinition project, IAccessPolicy policy,
        ISqlCatalog? catalog, Principal principal, DataAction action, Func<JsonNode, string>? nameColumn = null)
    {
        if (string.IsNullOrWhiteSpace(normalized))
            throw new InvalidRequestException("the SQL is empty; give a statement such as SELECT * FROM orders", "sql");
        using var connection = store.Open();
        var kind = SqlStatementKind.Select;
        var body = normalized;
        var (keyword, end) = SqlStatementText.FirstKeyword(normalized);
        if (keyword == "EXPLAIN")
        {
            kind = SqlStatementKind.Explain;
            body = normalized[end..];
        }
        var root = Serialize(connection, body);
        var statements = (JsonArray)root["statements"]!;
        if (statements.Count != 1)
            throw new InvalidRequestException($"send one statement at a time: the text holds {statements.Count}", "sql");
        if (SqlMetricTranslator.ReadsMetrics(statements[0]))
        {
            if (kind == SqlStatementKind.Explain)
                throw new InvalidRequestException("EXPLAIN of a metric query is not served over SQL; ask GET /api/v1/metrics/query with explain=true", "sql");
            var (metrics, count) = SqlMetricTranslator.Translate((JsonObject)statements[0]!, body, project.Semantic, project.Name, parameters);
            return new SqlPlan(original, kind, "", [], [], Math.Max(count, parameters.Count)) { Parameters = parameters, Metrics = metrics };
        }
        var checker = new SqlTreeChecker(project, policy, catalog, principal, sql => Statement(connection, sql), nameColumn);
        // The catalog's types are read from the statement as written: the check rewrites catalog relations and casts.
        var columnTypes = kind == SqlStatementKind.Select && statements[0]?["node"] is JsonObject node ? catalog?.ResultTypes(node) : null;
        checker.Check((JsonObject)statements[0]!);
        if (parameters.Count > checker.Parameters && checker.Parameters > 0 || parameters.Count > 0 && parameters.Count < checker.Parameters)
            throw new InvalidRequestException($"the statement uses {checker.Parameters} parameter(s) ($1…${checker.Parameters}); {parameters.Count} value(s) were bound", "parameters");
        var reads = checker.Datasets.Select(d => new PlanRead(d.Name, [], action, checker.Shape)).ToList();
        return new SqlPlan(original, kind, root.ToJsonString(), reads, checker.Conditions, Math.Max(checker.Parameters, parameters.Count)) { Parameters = parameters, ColumnTypes = columnTypes };
    }

    /// <summary>
    /// The statement as it runs: each dataset replaced by its scoped relation; and the values to bind after the
    /// statement's own parameters (blocking).
    /// </summary>
    public (string Sql, List<object> PolicyValues, List<string> ValuesFrom) Compose(SqlPlan plan, IReadOnlyDictionary<string, SqlStatement> scoped)
    {
        using var connection = store.Open();
        var tree = JsonNode.Parse(plan.Tree)!;
        var parsed = scoped.ToDictionary(
            s => s.Key,
            s => (Statement(connection, s.Value.Text), s.Value.Parameters),
            StringComparer.OrdinalIgnoreCase);
        var (values, from) = SqlTreeComposer.Compose(tree, parsed, plan.ParameterCount);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT json_deserialize_sql(CAST($1 AS JSON))";
        command.Parameters.Add(new DuckDBParameter(tree.ToJsonString()));
        var text = (string)command.ExecuteScalar()!;
        return (plan.StatementKind == SqlStatementKind.Explain ? "EXPLAIN " + text : text, values, from);
    }

    /// <summary>
    /// Runs a composed statement in the sandbox, within the statement timeout; <paramref name="onDispose"/> releases
    /// its leases. It executes on the calling thread, inside a read slot of the store (at most
    /// server.max_concurrent_reads threads wait on the engine at once, as the rows' reading already does): handing a
    /// small statement to a thread of its own cost more than running it. Its rows stream: each fetch of them is
    /// execution too, in a slot and on the statement's clock (<see cref="StreamingResult"/>).
    /// </summary>
    public async Task<ResultStream> QueryAsync(string sql, IReadOnlyList<object?> parameters, Action onDispose, CancellationToken cancellationToken,
        IReadOnlyList<string?>? columnTypes = null)
    {
        SandboxConnections.Lease? connection = null;
        DbCommand? command = null;
        var guard = new StatementGuard(cancellationToken, connector.StatementTimeout);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            connection = Sandbox.Rent();
            connection.Guard = guard;
            // Streaming: DuckDB computes the rows as they are fetched, keeping only a small buffer ahead of the reader,
            // rather than the whole result before the first row (see StreamingResult).
            // The connection's command of this text: prepared already when the same statement ran on it before.
            var streaming = connection.Command(sql);
            streaming.UseStreamingMode = true;
            command = streaming;
            Bind(command, parameters);
            guard.Interrupt(command);
            DbDataReader reader;
            if (connector.Reads is { } reads)
            {
                using var slot = await reads.EnterAsync(guard.Token);
                reader = command.ExecuteReader();
            }
            else reader = await StatementGuard.Dedicated(command.ExecuteReader);
            // Until the next fetch the engine waits for the reader: that time is not the statement's.
            guard.Pause();
            // Worked out once per prepared statement: a DECIMAL's width and scale cost a schema table each time.
            var schema = new ResultSchema(connection.ColumnsOf(sql, columnTypes, () => Columns(reader, columnTypes)));
            // The guard goes first (no interrupt can reach the connection after it), the connection last; the command
            // stays with the connection, prepared for the next statement of its text.
            var rows = new DbResultStream(reader, schema, [guard, connection], syncReads: true, dynamicTypes: false, onDispose);
            return new StreamingResult(rows, guard, connector.Reads);
        }
        catch (Exception e)
        {
            var stopped = guard.Explain();
            await guard.DisposeAsync();
            if (command is not null) await command.DisposeAsync();
            if (connection is not null)
            {
                connection.Failed = true;
                await connection.DisposeAsync();
            }
            if (stopped is not null) throw stopped;
            if (e is DbException) throw Refused(e);
            throw;
        }
    }

    /// <summary>The columns a composed statement answers and the engine's type of each of its first <paramref name="userParameters"/> $n, without running it (blocking).</summary>
    public (IReadOnlyList<ResultColumn> Columns, IReadOnlyList<string?> ParameterTypes) Describe(string sql, SqlStatementKind kind, int userParameters, IReadOnlyList<object> policyValues,
        IReadOnlyList<string?>? columnTypes = null)
    {
        using var connection = Sandboxed();
        try
        {
            var types = new string?[userParameters];
            if (NativeMethods.PreparedStatements.DuckDBPrepare(connection.NativeConnection, sql, out var prepared) == DuckDBState.Success)
            {
                using (prepared)
                    for (var i = 0; i < userParameters; i++)
                    {
                        using var type = NativeMethods.PreparedStatements.DuckDBParamLogicalType(prepared, i + 1);
                        var id = NativeMethods.LogicalType.DuckDBGetTypeId(type);
                        types[i] = id is DuckDBType.Invalid ? null : EngineTypes.Name(id.ToString());
                    }
            }
            else
            {
                // The parser's and binder's words (a missing column, a type mismatch): about the statement, not rows.
                using (prepared) throw new InvalidRequestException(NativeMethods.PreparedStatements.DuckDBPrepareError(prepared), "sql");
            }
            if (kind == SqlStatementKind.Explain)
                return ([new ResultColumn("explain_key", LadleType.String) { EngineType = "VARCHAR" }, new ResultColumn("explain_value", LadleType.String) { EngineType = "VARCHAR" }], types);
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM ({sql}) AS described LIMIT 0";
            Bind(command, [.. Enumerable.Repeat<object?>(null, userParameters), .. policyValues]);
            using var reader = command.ExecuteReader();
            return (Columns(reader, columnTypes), types);
        }
        catch (DbException e)
        {
            throw Refused(e);
        }
    }

    /// <summary>
    /// The columns of a result: the engine's type of each (a DECIMAL with its width and scale, which the provider's
    /// type name leaves out) and the catalog's, when it states one for every column.
    /// </summary>
    private static List<ResultColumn> Columns(DbDataReader reader, IReadOnlyList<string?>? columnTypes)
    {
        if (columnTypes is not null && columnTypes.Count != reader.FieldCount) columnTypes = null;
        System.Data.DataTable? details = null;
        var columns = new List<ResultColumn>(reader.FieldCount);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var engineType = EngineTypes.Name(reader.GetDataTypeName(i));
            if (engineType == "DECIMAL" && (details ??= reader.GetSchemaTable()) is { } table
                && table.Rows[i]["NumericPrecision"] is not (null or DBNull) && table.Rows[i]["NumericScale"] is not (null or DBNull))
                engineType = string.Create(CultureInfo.InvariantCulture,
                    $"DECIMAL({Convert.ToInt32(table.Rows[i]["NumericPrecision"], CultureInfo.InvariantCulture)},{Convert.ToInt32(table.Rows[i]["NumericScale"], CultureInfo.InvariantCulture)})");
            columns.Add(new ResultColumn(reader.GetName(i), TypeOf(reader.GetFieldType(i))) { EngineType = engineType, CatalogType = columnTypes?[i] });
        }
        return columns;
    }

    /// <summary>A relation of the store (<c>ladle_versions."…"</c>) named so that it resolves from the sandbox too.</summary>
    public string Qualified(string relation)
    {
        if (_storeDatabase is null)
            using (var connection = store.Open()) StoreDatabase(connection);
        return SqlDialect.DuckDb.Quote(_storeDatabase!) + "." + relation;
    }

    /// <summary>Runs the catalog's set-up statements once, before the first governed statement.</summary>
    public void Setup(ISqlCatalog? catalog)
    {
        if (_setupDone || catalog is null) return;
        lock (_gate)
        {
            if (_setupDone) return;
            using var connection = store.Open();
            foreach (var statement in catalog.Setup) DuckDbStore.Execute(connection, statement);
            _setupDone = true;
        }
    }

    /// <summary>A store connection whose default database is the empty sandbox.</summary>
    private DuckDBConnection Sandboxed()
    {
        var connection = store.Open();
        try
        {
            StoreDatabase(connection);
            DuckDbStore.Execute(connection, $"USE {SandboxDatabase}");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The store's own database name (version tables are named with it from the sandbox); attaches the sandbox on first use.</summary>
    private string StoreDatabase(DuckDBConnection connection)
    {
        if (_storeDatabase is { } known) return known;
        lock (_gate)
        {
            if (_storeDatabase is { } again) return again;
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT current_database()";
            var name = (string)command.ExecuteScalar()!;
            DuckDbStore.Execute(connection, $"ATTACH IF NOT EXISTS ':memory:' AS {SandboxDatabase}");
            return _storeDatabase = name;
        }
    }

    /// <summary>The statement parsed, or the parser's refusal: anything but one read is refused before it reaches the engine.</summary>
    private static JsonObject Serialize(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT json_serialize_sql(CAST($1 AS VARCHAR))";
        command.Parameters.Add(new DuckDBParameter(sql));
        var root = (JsonObject)JsonNode.Parse((string)command.ExecuteScalar()!)!;
        if (root["error"]?.GetValue<bool>() != true) return root;
        var message = root["error_message"]?.GetValue<string>() ?? "the statement does not parse";
        if (message.Contains("Only SELECT statements", StringComparison.Ordinal) || root["error_type"]?.GetValue<string>() == "not implemented" && message.Contains("SELECT", StringComparison.Ordinal))
        {
            var first = SqlStatementText.FirstKeyword(sql).Keyword;
            throw new InvalidRequestException(first is "SELECT" or "WITH" or "VALUES" or "TABLE" or "FROM" or ""
                ? "only SELECT, WITH, VALUES, TABLE and EXPLAIN statements are served, one at a time: the text holds another kind of statement"
                : $"only SELECT, WITH, VALUES, TABLE and EXPLAIN statements are served; got {first}", "sql");
        }
        throw new InvalidRequestException($"the statement does not parse: {message}", "sql");
    }

    /// <summary>One trusted statement (the catalog's, a scoped relation) parsed: <c>{"node": …}</c>.</summary>
    private static JsonObject Statement(DuckDBConnection connection, string sql)
    {
        var root = Serialize(connection, sql);
        var statement = (JsonObject)root["statements"]![0]!;
        statement.Parent!.AsArray().Remove(statement);
        return statement;
    }

    private static void Bind(DbCommand command, IReadOnlyList<object?> values)
    {
        for (var i = 0; i < values.Count; i++)
            command.Parameters.Add(new DuckDBParameter((i + 1).ToString(CultureInfo.InvariantCulture), values[i] ?? DBNull.Value));
    }

    /// <summary>The serving type of a column: integers beyond 64 bits are text (they fit no Ladle integer), unsigned 64-bit ones decimals.</summary>
    private static LadleType TypeOf(Type field) =>
        field == typeof(System.Numerics.BigInteger) ? LadleType.String
        : field == typeof(ulong) ? LadleType.Decimal
        : ValueGetters.TypeOf(field);

    /// <summary>
    /// The engine refused the principal's statement (a column that is not there, a type that does not fit): its words
    /// are the answer, except where they could quote a row's values (<see cref="EngineErrors"/>).
    /// </summary>
    private static LadleException Refused(Exception e) =>
        EngineErrors.IsDataError(e)
            ? new QueryFailedException($"the statement failed: {EngineErrors.Describe(e)}", e)
            : new InvalidRequestException(EngineErrors.Describe(e), "sql");
}
