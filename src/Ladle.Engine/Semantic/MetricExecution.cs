using System.Security.Cryptography;
using Ladle.Core.Model;
using Ladle.Core.Semantic.Planning;
using Ladle.Core.Semantic.Sql;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Semantic;

/// <summary>
/// A planned metric query ready to answer: the versions it reads (leased until disposed, so none is dropped or
/// swapped under it), where it runs, the SQL, and whether the cache or a rollup answers. Everything that can
/// fail before the first row is decided here.
/// </summary>
public sealed class MetricExecution : IAsyncDisposable
{
    private readonly MetricsEngine _metrics;
    private readonly IReadOnlyList<IDisposable> _leases;
    private readonly SourceConnector _connector;
    private CachedAnswer? _cached;
    private bool _looked;

    private readonly Lazy<(SqlStatement Sql, IReadOnlyList<RollupVerdict> Rollups)> _compiled;

    internal MetricExecution(MetricsEngine metrics, MetricPlan plan, SourceConnector connector, string engine,
        Func<(SqlStatement, IReadOnlyList<RollupVerdict>)> compile,
        IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> datasets, IReadOnlyList<IDisposable> leases,
        string? cacheKey, string? notCached)
    {
        _compiled = new Lazy<(SqlStatement, IReadOnlyList<RollupVerdict>)>(compile);
        _metrics = metrics;
        _connector = connector;
        _leases = leases;
        Plan = plan;
        Engine = engine;
        Datasets = datasets;
        CacheKey = cacheKey;
        NotCachedReason = notCached;
        Schema = new ResultSchema(plan.Columns.Select(c => new ResultColumn(c.Name, c.Type)).ToList());
        if (cacheKey is not null)
            ETag = "\"" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(cacheKey)).AsSpan(0, 12)).ToLowerInvariant() + "\"";
    }

    public MetricPlan Plan { get; }

    /// <summary>Where the statement runs: "store" or the name of the source it is pushed down to.</summary>
    public string Engine { get; }

    /// <summary>The statement (compiled on first use: a cache hit never needs it).</summary>
    public SqlStatement Sql => _compiled.Value.Sql;

    /// <summary>Every dataset read, with the published version leased for it (null for live datasets).</summary>
    public IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> Datasets { get; }

    /// <summary>The cache key (query, model, versions, row filters), or null when the answer cannot be cached.</summary>
    public string? CacheKey { get; }

    /// <summary>Why the answer is not cached (it reads live data), or null.</summary>
    public string? NotCachedReason { get; }

    /// <summary>An entity tag that changes exactly when the answer may change (a new version of a dataset read).</summary>
    public string? ETag { get; }

    /// <summary>What each rollup of the models read made of this query.</summary>
    public IReadOnlyList<RollupVerdict> Rollups => _compiled.Value.Rollups;

    public ResultSchema Schema { get; }

    /// <summary>True when the answer is in the cache now (checked without counting a hit).</summary>
    public bool IsCached => CacheKey is not null && _metrics.Cache.Contains(CacheKey);

    /// <summary>What answers: cache, rollup:&lt;name&gt;[,…] or query.</summary>
    public string AnsweredBy
    {
        get
        {
            if (_cached is not null) return "cache";
            var used = Rollups.Where(r => r.Used).Select(r => r.Rollup).ToList();
            return used.Count > 0 ? "rollup:" + string.Join(",", used) : "query";
        }
    }

    /// <summary>
    /// The rows: from the cache when the same query already read the same versions, else by running the statement
    /// (and keeping the answer when it is small enough).
    /// </summary>
    public async Task<ResultStream> ReadAsync(CancellationToken cancellationToken)
    {
        if (Lookup() is { } hit) return new BatchListStream(hit.Schema, hit.Rows);
        var result = await _connector.QueryAsync(Sql, Schema, cancellationToken);
        if (CacheKey is null) return result;
        var key = CacheKey;
        var datasets = Datasets.Select(d => d.Dataset.Name).ToList();
        return new CachingResultStream(result, _metrics.Cache.MaxEntryBytes,
            (rows, bytes) => _metrics.Cache.Put(key, new CachedAnswer(Schema, rows, datasets, bytes, DateTimeOffset.UtcNow)));
    }

    /// <summary>
    /// How many rows the answer has, counted where it runs (the cached answer's when there is one) without
    /// reading them: formats with a size limit check it before anything is sent.
    /// </summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        if (Lookup() is { } hit) return hit.Rows.Count;
        var counted = new ResultSchema([new ResultColumn("n", LadleType.Integer)]);
        await using var result = await _connector.QueryAsync(new SqlStatement($"SELECT count(*) AS n FROM ({Sql.Text}) AS counted", Sql.Parameters), counted, cancellationToken);
        return await result.ReadAsync(cancellationToken) is { Count: > 0 } batch && !batch.Columns[0].Nulls[0] ? batch.Columns[0].Int64s[0] : 0;
    }

    /// <summary>The cached answer, if there is one; looked up once per execution (counting a hit or a miss).</summary>
    public CachedAnswer? Lookup()
    {
        if (CacheKey is not null && !_looked)
        {
            _looked = true;
            _cached = _metrics.Cache.Get(CacheKey);
        }
        return _cached;
    }

    /// <summary>Keeps an encoded body with the cached answer this execution read.</summary>
    public void KeepEncoding(string name, byte[] body)
    {
        if (CacheKey is not null && _cached is { } answer) _metrics.Cache.AttachEncoding(CacheKey, answer, name, body);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var lease in _leases) lease.Dispose();
        return ValueTask.CompletedTask;
    }
}
