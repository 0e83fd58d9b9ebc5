using System.Globalization;
using StringBuilder = System.Text.StringBuilder;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Semantic;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Queries;
using Ladle.Core.Semantic.Sql;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Store;
using Ladle.Engine.Versions;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Semantic;

/// <summary>
/// Metric queries at work: planned against the semantic layer, run as one statement where the data is (the store
/// for published versions, pushed down whole to a PostgreSQL source for live datasets), answered from the cache
/// or a rollup when they can be answered exactly.
/// </summary>
public sealed class MetricsEngine
{
    private readonly ProjectDefinition _project;
    private readonly SourceConnectors _connectors;
    private readonly VersionCatalog _catalog;
    private readonly ILogger _logger;
    private long _queries;
    private long _rollupAnswers;

    public MetricsEngine(ProjectDefinition project, DuckDbStore store, SourceConnectors connectors, VersionCatalog catalog, ILogger logger)
    {
        _project = project;
        _connectors = connectors;
        _catalog = catalog;
        _logger = logger;
        Rollups = new RollupStore(project.Semantic, store, catalog, logger);
        if (Layer.Models.Count > 0)
            SemanticLog.Loaded(logger, Layer.Models.Count, Layer.Metrics.Count, Layer.Rollups.Count(), Layer.CompileTime.TotalMilliseconds);
    }

    public SemanticLayer Layer => _project.Semantic;

    /// <summary>Answers of earlier queries, keyed by the versions they read.</summary>
    public MetricCache Cache { get; } = new();

    public RollupStore Rollups { get; }

    /// <summary>Queries that ran against data (not answered by the cache).</summary>
    public long QueriesRun => Interlocked.Read(ref _queries);

    /// <summary>Queries a rollup answered (in part or whole).</summary>
    public long RollupAnswers => Interlocked.Read(ref _rollupAnswers);

    /// <summary>The clock relative ranges ("last 7 days") are resolved against; tests set it.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Checks and resolves a query; relative ranges are resolved against the clock now.</summary>
    public MetricPlan Plan(MetricQuery query, long? maxLimit = null, MetricScope? scope = null) =>
        MetricPlanner.Plan(Layer, query, Clock.GetUtcNow(), maxLimit, scope);

    /// <summary>
    /// Leases the published versions the plan reads, decides where it runs and what answers it, and compiles the
    /// statement. <paramref name="rowFilters"/> are per-dataset conditions a policy adds for the caller; they apply
    /// before aggregation and are part of the cache key. <paramref name="useRollups"/> false reads the rows
    /// themselves (to compare, and for benchmarks).
    /// </summary>
    public MetricExecution Open(MetricPlan plan, IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<Filter>>>? rowFilters = null, bool useRollups = true)
    {
        rowFilters ??= new Dictionary<string, IReadOnlyList<IReadOnlyList<Filter>>>();
        var definitions = plan.Datasets.Select(_project.GetDataset).ToList();
        var (connector, engineName) = Target(definitions);
        var dialect = connector.Dialect;
        var leases = new List<IDisposable>();
        try
        {
            var read = new List<(DatasetDefinition, DataVersion?)>();
            var relations = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var dataset in definitions)
            {
                if (dataset.Materialization == Materialization.Table)
                {
                    var lease = _catalog.Acquire(dataset.Name, null);
                    leases.Add(lease);
                    read.Add((dataset, lease.Version));
                    relations[dataset.Name] = DuckDbStore.VersionTable(dataset.Name, lease.Version.Version);
                }
                else
                {
                    read.Add((dataset, null));
                    relations[dataset.Name] = _connectors.For(dataset).Relation(dataset);
                }
            }

            var live = read.Where(r => r.Item2 is null).Select(r => r.Item1.Name).ToList();
            string? key = null;
            string? notCached = null;
            if (live.Count > 0) notCached = $"reads live dataset(s) {string.Join(", ", live.Select(l => $"'{l}'"))}, which change without a publication";
            else key = CacheKeyOf(plan, read, rowFilters);

            // Which rollup answers and the SQL are worked out only when the rows are read or explained: a cache hit needs neither.
            (SqlStatement, IReadOnlyList<RollupVerdict>) Compile()
            {
                var verdicts = new List<RollupVerdict>();
                var rollups = new Dictionary<PlanNode, RollupSource>();
                if (connector is StoreConnector && useRollups)
                {
                    foreach (var node in plan.Nodes)
                    {
                        var version = read.FirstOrDefault(r => string.Equals(r.Item1.Name, node.Model.Dataset.Name, StringComparison.OrdinalIgnoreCase)).Item2;
                        var (chosen, nodeVerdicts) = RollupMatcher.Match(plan, node, rollup =>
                            version is null ? "its dataset is live"
                            : Rollups.IsBuilt(rollup, node.Model.Dataset.Name, version.Version) ? null
                            : $"not built for version {version.Version} of '{node.Model.Dataset.Name}' (rollups are built when the dataset publishes; run 'ladle materialize {node.Model.Dataset.Name}')",
                            rowFilters);
                        verdicts.AddRange(nodeVerdicts);
                        if (chosen is not null)
                            rollups[node] = new RollupSource(chosen, RollupStore.Relation(RollupStore.TableName(chosen, node.Model.Dataset.Name, version!.Version)));
                    }
                }
                return (MetricSqlWriter.Write(plan, dialect, name => relations[name], rowFilters, rollups), verdicts);
            }

            return new MetricExecution(this, plan, connector, engineName, Compile, read, leases, key, notCached);
        }
        catch
        {
            foreach (var lease in leases) lease.Dispose();
            throw;
        }
    }

    /// <summary>Counts what answered a query that was read (for /metrics).</summary>
    internal void Count(MetricExecution execution)
    {
        var by = execution.AnsweredBy;
        if (by == "cache") return;
        Interlocked.Increment(ref _queries);
        if (by.StartsWith("rollup:", StringComparison.Ordinal)) Interlocked.Increment(ref _rollupAnswers);
        SemanticLog.Answered(_logger, by, execution.Engine, execution.Plan.Key);
    }

    /// <summary>Plans, opens and reads a query in one call (CLI, tests); dispose the stream, then the execution.</summary>
    public async Task<(MetricExecution Execution, ResultStream Rows)> QueryAsync(MetricQuery query, CancellationToken cancellationToken)
    {
        var execution = Open(Plan(query));
        try
        {
            var rows = await execution.ReadAsync(cancellationToken);
            Count(execution);
            return (execution, rows);
        }
        catch
        {
            await execution.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Work of write-audit-publish for the semantic layer, run after a version's checks passed and before it is
    /// published: its rollups are built from it, so they publish with it.
    /// </summary>
    internal async Task BeforePublishAsync(DatasetDefinition dataset, long version, string table, CancellationToken cancellationToken)
    {
        await Rollups.BuildAsync(dataset, version, table, cancellationToken);
        var forgotten = Cache.Forget(dataset.Name);
        if (forgotten > 0) SemanticLog.CacheForgot(_logger, forgotten, dataset.Name);
    }

    /// <summary>
    /// The dimensions a query of the metric can use: those it can be grouped by whose every joined dataset runs in
    /// the same place as its measures (a live source's model joined to the store's is refused by every query).
    /// </summary>
    public IReadOnlyList<string> QueryableDimensions(Core.Semantic.MetricDefinition metric)
    {
        var reaches = Layer.MeasuresOf(metric.Name).Select(Layer.ModelOf).Distinct().Select(Layer.ReachOf).ToList();
        var places = reaches.Select(r => PlaceOf(r.Model.Dataset)).Distinct().ToList();
        if (places.Count != 1) return [];
        return Layer.GroupableBy(metric)
            .Where(name => reaches.All(r => Layer.Resolve(r, name, out string? _) is { } dimension &&
                                            dimension.Path.Hops.All(h => PlaceOf(h.To.Dataset) == places[0])))
            .ToList();
    }

    /// <summary>Where the statement runs: the store when it holds (or reads) every dataset, else the one source holding them all.</summary>
    private (SourceConnector Connector, string Name) Target(IReadOnlyList<DatasetDefinition> datasets)
    {
        var places = datasets.Select(d => (Dataset: d, Connector: PlaceOf(d))).ToList();
        var distinct = places.Select(p => p.Connector).Distinct().ToList();
        if (distinct.Count == 1)
            return (distinct[0], distinct[0] is StoreConnector ? "store" : distinct[0].Definition.Name);
        var described = places.Select(p => p.Connector is StoreConnector
            ? $"'{p.Dataset.Name}' (in the embedded store)"
            : $"'{p.Dataset.Name}' (live in source '{p.Connector.Definition.Name}', {p.Connector.Dialect.Name})");
        throw new InvalidRequestException(
            $"this query reads {string.Join(" and ", described)}; a metric query runs as one statement in one engine. " +
            "Query the metrics separately, or materialize the live dataset (materialization: table) so the store holds it too", "metrics");
    }

    private SourceConnector PlaceOf(DatasetDefinition dataset)
    {
        if (dataset.Materialization == Materialization.Table) return _connectors.Store;
        var connector = _connectors.For(dataset);
        // The store reads files and runs SQL over datasets itself.
        return connector is FilesConnector or StoreConnector ? _connectors.Store : connector;
    }

    private string CacheKeyOf(MetricPlan plan, IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> read, IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyList<Filter>>> rowFilters)
    {
        var key = new StringBuilder(Layer.Fingerprint).Append('|').Append(plan.Key).Append("|v=");
        foreach (var (dataset, version) in read.OrderBy(r => r.Dataset.Name, StringComparer.Ordinal))
            key.Append(dataset.Name.ToLowerInvariant()).Append('@').Append(version!.Version.ToString(CultureInfo.InvariantCulture)).Append(',');
        key.Append("|rf=");
        foreach (var (dataset, groups) in rowFilters.Where(f => f.Value.Count > 0).OrderBy(f => f.Key, StringComparer.OrdinalIgnoreCase))
        {
            key.Append(dataset.ToLowerInvariant()).Append(':');
            foreach (var group in groups)
            {
                key.Append('(');
                foreach (var filter in group) key.Append(filter.Column).Append(':').Append(MetricPlanner.FilterText(filter)).Append(';');
                key.Append(')');
            }
        }
        return key.ToString();
    }
}
