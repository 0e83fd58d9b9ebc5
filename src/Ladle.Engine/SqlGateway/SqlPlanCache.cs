using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Ladle.Core.Plans;
using Ladle.Core.Policy;
using Ladle.Engine.Versions;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// What the SQL gateway already worked out for a statement, so that a client sending the same statement again (a
/// prepared statement, a BI tool's refresh, pgbench) pays only for running it: the checked plan per principal and
/// text, and the composed text per plan and scoped relations. Parsing and composing go through the engine
/// (json_serialize_sql, json_deserialize_sql) and cost more than a small statement itself.
/// </summary>
/// <remarks>
/// Nothing here skips a governance step: authorization, policy scope, leases, the trust gate, the timeout and the
/// audit run for every statement; only pure results are kept. A plan depends on the project, the access policy,
/// the catalog and the principal (fixed for the cache's owner and the principal object it is kept under; a
/// principal with other attributes is another object) and on the columns of published versions (the catalog reads
/// them): every publication (<see cref="VersionCatalog.Changed"/>) forgets every plan. A composition is keyed by
/// the scoped relations' texts, which name the leased version's table and the policy's conditions, so a new version
/// or another scope is another key; the values those conditions bind are taken fresh from the scope every time.
/// </remarks>
internal sealed class SqlPlanCache
{
    /// <summary>Statements kept per principal (past it the principal's plans are forgotten at once; a client repeating a few statements never gets there).</summary>
    internal const int MaxPerPrincipal = 256;

    private readonly ConditionalWeakTable<Principal, ConcurrentDictionary<(string Sql, DataAction Action, int Parameters), (int Generation, SqlPlan Plan)>> _plans = new();
    private readonly ConditionalWeakTable<string, ConcurrentDictionary<string, SqlComposition>> _compositions = new();
    private int _generation;

    public SqlPlanCache(VersionCatalog versions) => versions.Changed += Forget;

    /// <summary>This cache lost the race to be the one kept: it stops listening and <paramref name="kept"/> is used.</summary>
    public SqlPlanCache Abandon(VersionCatalog versions, SqlPlanCache kept)
    {
        versions.Changed -= Forget;
        return kept;
    }

    private void Forget(object? sender, VersionChange change) => Interlocked.Increment(ref _generation);

    /// <summary>The plan checked before for this principal, text, action and number of bound values, if nothing was published since.</summary>
    public SqlPlan? FindPlan(Principal principal, string sql, DataAction action, IReadOnlyList<object?> parameters)
    {
        if (!_plans.TryGetValue(principal, out var plans)
            || !plans.TryGetValue((sql, action, parameters.Count), out var kept)
            || kept.Generation != Volatile.Read(ref _generation))
            return null;
        var plan = kept.Plan;
        return parameters.Count == 0 ? plan : plan.WithParameters(parameters);
    }

    /// <summary>Keeps a plan checked under <paramref name="generation"/> (read before checking, so a publication meanwhile makes it stale at once).</summary>
    public void KeepPlan(Principal principal, string sql, DataAction action, int generation, SqlPlan plan)
    {
        // A metric statement's $n values are bound into its metric query when it is planned: the plan holds them, so
        // it is never kept for other values (the metric layer keeps its own cache of answers).
        if (plan.Metrics is not null) return;
        var plans = _plans.GetValue(principal, static _ => new());
        if (plans.Count >= MaxPerPrincipal) plans.Clear();
        plans[(sql, action, plan.Parameters.Count)] = (generation, plan);
    }

    /// <summary>The generation plans are checked under now.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>The composition of <paramref name="plan"/> over relations of these texts, if done before.</summary>
    public SqlComposition? FindComposition(SqlPlan plan, string scopedKey) =>
        _compositions.TryGetValue(plan.Tree, out var kept) && kept.TryGetValue(scopedKey, out var composition) ? composition : null;

    public void KeepComposition(SqlPlan plan, string scopedKey, SqlComposition composition)
    {
        var kept = _compositions.GetValue(plan.Tree, static _ => new(StringComparer.Ordinal));
        if (kept.Count >= MaxPerPrincipal) kept.Clear();
        kept[scopedKey] = composition;
    }
}

/// <summary>A composed statement's text, and the datasets whose scoped values are bound after its own parameters, in order.</summary>
internal sealed record SqlComposition(string Sql, IReadOnlyList<string> ValuesFrom);
