using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Policy;
using Ladle.Core.Queries;
using Ladle.Engine.Encoders;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.SqlGateway;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Serving;

public sealed partial class ReadPipeline
{
    /// <summary>
    /// The relations, functions and types a principal's SQL may use besides datasets (the synthetic pg_catalog);
    /// null: datasets and CTEs only.
    /// </summary>
    public ISqlCatalog? SqlCatalog
    {
        get => _sqlCatalog;
        set
        {
            _sqlCatalog = value;
            // Plans were checked against the catalog they were made with.
            _sqlCache = null;
        }
    }

    private ISqlCatalog? _sqlCatalog;
    private SqlPlanCache? _sqlCache;

    /// <summary>Plans and compositions of statements served before (see <see cref="SqlPlanCache"/>).</summary>
    private SqlPlanCache SqlCache
    {
        get
        {
            if (_sqlCache is { } cache) return cache;
            var made = new SqlPlanCache(_reader.Versions);
            return Interlocked.CompareExchange(ref _sqlCache, made, null) is { } other ? made.Abandon(_reader.Versions, other) : made;
        }
    }

    /// <summary>What <paramref name="sql"/> would answer (its columns) and the engine's type of each $n, without running it.</summary>
    public async Task<SqlDescription> DescribeSqlAsync(Principal principal, string sql, CancellationToken cancellationToken)
    {
        var plan = await PlanGovernedSqlAsync(principal, sql, [], DataAction.Read, cancellationToken);
        if (plan.Metrics is { } metrics)
        {
            var metricsPlan = PlanSqlMetrics(principal, plan, metrics, DataAction.Read);
            await AuthorizeMetricsAsync(principal, metricsPlan.Planned, DataAction.Read, cancellationToken);
            return new SqlDescription(SqlMetricColumns(metricsPlan), new string?[plan.ParameterCount]);
        }
        var scopes = await AuthorizeSqlAsync(principal, plan, cancellationToken);
        if (_reader.PushdownTarget(DatasetsOf(plan)) is { } source)
        {
            var pushed = await _reader.ComposePushdownAsync(plan, scopes, source, describe: true, cancellationToken);
            return new SqlDescription((await _reader.DescribePushdownAsync(pushed, source, cancellationToken)).Columns, new string?[plan.ParameterCount]);
        }
        var composed = await ComposeSqlAsync(plan, scopes, cancellationToken);
        try
        {
            var governed = _reader.Governed;
            var (columns, types) = await StatementGuard.Dedicated(() => governed.Describe(composed.Sql, plan.StatementKind, plan.ParameterCount, composed.PolicyValues, plan.ColumnTypes));
            return new SqlDescription(columns, types);
        }
        finally
        {
            Release(composed.Leases);
        }
    }

    /// <summary>A principal's statement parsed by the engine and checked by the SQL gateway: what it reads, and how.</summary>
    private async Task<QueryPlan> PlanSqlAsync(SqlRequest request, SinkCapabilities capabilities, CancellationToken cancellationToken)
    {
        var action = SqlPlan.ActionFor(capabilities.Bulk);
        var plan = await PlanGovernedSqlAsync(request.Principal, request.Sql, request.Parameters, action, cancellationToken);
        if (plan.Metrics is not { } metrics) return plan;
        if (request.Parameters.Count != plan.ParameterCount)
            throw new InvalidRequestException($"the statement uses {plan.ParameterCount} parameter(s) ($1…${plan.ParameterCount}); {request.Parameters.Count} value(s) were bound", "parameters");
        // A metric relation is answered by the semantic layer, never by running the statement over rows.
        return PlanSqlMetrics(request.Principal, plan, metrics, action);
    }

    private async Task<SqlPlan> PlanGovernedSqlAsync(Principal principal, string sql, IReadOnlyList<object?> parameters, DataAction action, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(sql)) throw new InvalidRequestException("the SQL is empty; give a statement such as SELECT * FROM orders", "sql");
        cancellationToken.ThrowIfCancellationRequested();
        var catalog = SqlCatalog;
        var cache = SqlCache;
        if (cache.FindPlan(principal, sql, action, parameters) is { } known) return known;
        var generation = cache.Generation;
        var governed = _reader.Governed;
        var plan = await StatementGuard.Dedicated(() =>
        {
            governed.Setup(catalog);
            // Unnamed columns get PostgreSQL's names (the wire protocol's clients read them).
            return governed.Plan(sql, catalog?.Normalize(sql) ?? sql, parameters, _project, Policy, catalog, principal, action, SqlGateway.Catalog.PgColumnNames.Figure);
        });
        plan = await TraceConditionsAsync(plan, cancellationToken);
        cache.KeepPlan(principal, sql, action, generation, plan);
        return plan;
    }

    /// <summary>
    /// Traces the columns the statement filters, groups or joins on to the dataset columns they are computed from
    /// (<see cref="SqlColumnOrigins"/>), over the served columns of the datasets it reads; kept with the plan, which
    /// every publication forgets.
    /// </summary>
    private async Task<SqlPlan> TraceConditionsAsync(SqlPlan plan, CancellationToken cancellationToken)
    {
        if (plan.Metrics is not null || plan.Reads.Count == 0) return plan;
        var columns = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var read in plan.Reads)
            columns[read.Dataset] = [.. (await _schemas.GetAsync(_project.GetDataset(read.Dataset), cancellationToken)).Names];
        var root = System.Text.Json.Nodes.JsonNode.Parse(plan.Tree)!;
        if (root["statements"] is not System.Text.Json.Nodes.JsonArray { Count: 1 } statements || statements[0] is not System.Text.Json.Nodes.JsonObject statement) return plan;
        return plan.WithConditionOrigins(SqlColumnOrigins.Of(statement, name => columns.GetValueOrDefault(name)));
    }

    /// <summary>
    /// Every dataset the statement reads must be granted; its scope is the principal's row filters and masks, as for
    /// rows. Filtering, grouping or joining on a column masked for the principal is refused, as REST refuses a filter
    /// on one: a column traced to that dataset's masked column, through aliases, expressions, subqueries and CTEs
    /// (a column of the same name elsewhere is another column), or one the trace could not bind that has its name.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, PolicyScope>> AuthorizeSqlAsync(Principal principal, SqlPlan plan, CancellationToken cancellationToken)
    {
        var scopes = new Dictionary<string, PolicyScope>(StringComparer.OrdinalIgnoreCase);
        foreach (var read in plan.Reads)
        {
            var dataset = _project.GetDataset(read.Dataset);
            Policy.Authorize(principal, dataset, read.Action);
            var schema = await _schemas.GetAsync(dataset, cancellationToken);
            var applied = Policy.Apply(principal, dataset, schema, new RowsQuery { Dataset = dataset.Name });
            var scope = applied.PolicyFilters.Count == 0 && applied.Masks.Count == 0 ? PolicyScope.Unrestricted
                : new PolicyScope(applied.PolicyFilters, applied.Masks) { MaskKey = applied.MaskKey };
            var masked = plan.ConditionOrigins is { } origins
                ? origins.FirstOrDefault(o => (o.Dataset is null || string.Equals(o.Dataset, dataset.Name, StringComparison.OrdinalIgnoreCase)) && scope.Masks.ContainsKey(o.Column))?.Column
                : plan.ConditionColumns.FirstOrDefault(c => scope.Masks.ContainsKey(c.Name))?.Name;
            if (masked is not null)
                throw new ForbiddenException(
                    $"column '{masked}' of '{dataset.Name}' is masked for principal '{principal.Name}' (PII); filtering, grouping or joining on it needs a role with 'pii: true'");
            scopes[dataset.Name] = scope;
        }
        // Live datasets: pushed down when they are all of one database source, refused with the reason otherwise.
        _reader.PushdownTarget(DatasetsOf(plan));
        return scopes;
    }

    /// <summary>Leases the version of every dataset read, scoped by policy, and runs the statement over them in the sandbox.</summary>
    private async Task<OpenedRead> OpenSqlAsync(SqlPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes, CancellationToken cancellationToken)
    {
        if (plan.Parameters.Count != plan.ParameterCount)
            throw new InvalidRequestException($"the statement uses {plan.ParameterCount} parameter(s) ($1…${plan.ParameterCount}); {plan.Parameters.Count} value(s) were bound", "parameters");
        if (_reader.PushdownTarget(DatasetsOf(plan)) is { } source) return await OpenPushedDownSqlAsync(plan, scopes, source, cancellationToken);
        var composed = await ComposeSqlAsync(plan, scopes, cancellationToken);
        try
        {
            var leases = composed.Leases;
            var result = await _reader.Governed.QueryAsync(composed.Sql, [.. plan.Parameters, .. composed.PolicyValues], () => Release(leases), cancellationToken, plan.ColumnTypes);
            return new OpenedStream("query", result, composed.Leased, OpenedStream.SqlNotCounted);
        }
        catch
        {
            Release(composed.Leases);
            throw;
        }
    }

    private List<DatasetDefinition> DatasetsOf(SqlPlan plan) => plan.Reads.Select(r => _project.GetDataset(r.Dataset)).ToList();

    /// <summary>A statement over live datasets of one database, run there whole inside each dataset's policy scope (nothing leased: live data has no version).</summary>
    private async Task<OpenedRead> OpenPushedDownSqlAsync(SqlPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes, Sources.SourceConnector source, CancellationToken cancellationToken)
    {
        var statement = await _reader.ComposePushdownAsync(plan, scopes, source, describe: false, cancellationToken);
        var result = await source.QueryAsync(statement, null, cancellationToken);
        return new OpenedStream("query", result, DatasetsOf(plan).Select(d => (d, (DataVersion?)null)).ToList(), OpenedStream.SqlNotCounted);
    }

    private sealed record ComposedSql(string Sql, List<object> PolicyValues, List<(DatasetDefinition Dataset, DataVersion? Version)> Leased, List<IDisposable> Leases);

    /// <summary>What a composition depends on besides the plan: the scoped relations' texts (versions leased, policy conditions), in the plan's order.</summary>
    private static string ScopedKey(SqlPlan plan, Dictionary<string, SqlStatement> scoped)
    {
        if (plan.Reads.Count == 0) return "";
        var key = new System.Text.StringBuilder();
        foreach (var read in plan.Reads) key.Append(scoped[read.Dataset].Text).Append('\u0001');
        return key.ToString();
    }

    private async Task<ComposedSql> ComposeSqlAsync(SqlPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes, CancellationToken cancellationToken)
    {
        var leases = new List<IDisposable>();
        var leased = new List<(DatasetDefinition Dataset, DataVersion? Version)>();
        var scoped = new Dictionary<string, SqlStatement>(StringComparer.OrdinalIgnoreCase);
        try
        {
            foreach (var read in plan.Reads)
            {
                var dataset = _project.GetDataset(read.Dataset);
                var (select, version, lease) = await _reader.OpenScopedAsync(dataset, scopes[dataset.Name], cancellationToken);
                if (lease is not null) leases.Add(lease);
                leased.Add((dataset, version));
                scoped[dataset.Name] = select;
            }
            var cache = SqlCache;
            var key = ScopedKey(plan, scoped);
            if (cache.FindComposition(plan, key) is { } known)
            {
                // The same text over the same relations: only the policy's values are bound afresh.
                var bound = new List<object>();
                foreach (var name in known.ValuesFrom) bound.AddRange(scoped[name].Parameters);
                return new ComposedSql(known.Sql, bound, leased, leases);
            }
            var governed = _reader.Governed;
            var (sql, values, from) = await StatementGuard.Dedicated(() => governed.Compose(plan, scoped));
            cache.KeepComposition(plan, key, new SqlComposition(sql, from));
            return new ComposedSql(sql, values, leased, leases);
        }
        catch
        {
            Release(leases);
            throw;
        }
    }

    private static void Release(List<IDisposable> leases)
    {
        foreach (var lease in leases) lease.Dispose();
        leases.Clear();
    }

    /// <summary>An engine error while a principal's statement ran: the statement's fault in the engine's words, never a row's values.</summary>
    private static LadleException SqlFailed(Exception e) =>
        EngineErrors.IsDataError(e)
            ? new QueryFailedException($"the statement failed: {EngineErrors.Describe(e)}", e)
            : new InvalidRequestException(EngineErrors.Describe(e), "sql");
}
