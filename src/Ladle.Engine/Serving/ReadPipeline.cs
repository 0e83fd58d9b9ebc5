using System.Diagnostics;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Ladle.Engine.Internal;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Semantic;
using Ladle.Engine.Trust;
using Ladle.Engine.Versions;

namespace Ladle.Engine.Serving;

/// <summary>
/// The read path of DESIGN.md, for every kind of read: a request becomes a <see cref="QueryPlan"/>, and
/// <see cref="ServeAsync"/> takes it through rate limit → authorization of every read → policy scope per dataset →
/// leased versions → trust gate → compile → execute → sink → audit and metrics. The REST API and the CLI are
/// adapters that call this with a sink of their own; none can skip a step.
/// </summary>
/// <remarks>
/// It takes only the parts a read uses — the project, the reader of datasets, their schemas, the metrics engine and
/// the trust registry — never the engine that composes them.
/// </remarks>
public sealed partial class ReadPipeline(ProjectDefinition project, DatasetReader reader, DatasetSchemas schemas, MetricsEngine semantic,
    TrustRegistry trust, IAccessPolicy policy, IAuditSink audit, IServingMetrics? metrics = null, Access.RateLimits? limits = null)
{
    private readonly ProjectDefinition _project = project;
    private readonly DatasetReader _reader = reader;
    private readonly DatasetSchemas _schemas = schemas;
    private readonly MetricsEngine _semantic = semantic;
    private readonly TrustRegistry _trust = trust;

    public IAccessPolicy Policy { get; } = policy;

    /// <summary>Bounds the exports streaming at once (server.max_exports, server.max_exports_per_principal).</summary>
    public ExportGate Exports { get; } = new(project.Server.MaxExports, project.Server.MaxExportsPerPrincipal);

    /// <summary>The datasets a principal may see, in dependency order.</summary>
    public IEnumerable<DatasetDefinition> Catalog(Principal principal) =>
        _project.Datasets.Where(d => Policy.CanSee(principal, d));

    /// <summary>
    /// Whether the principal reads every row and column of <paramref name="dataset"/> in clear (no row filter, no
    /// mask): the condition for answers that summarize all of it (a skew report, a stream's figures).
    /// </summary>
    public async Task<bool> ReadsWholeAsync(Principal principal, DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        if (!Policy.CanSee(principal, dataset)) return false;
        var schema = await _schemas.GetAsync(dataset, cancellationToken);
        var applied = Policy.Apply(principal, dataset, schema, new Core.Queries.RowsQuery { Dataset = dataset.Name });
        return applied.PolicyFilters.Count == 0 && applied.Masks.Count == 0;
    }

    /// <summary>A dataset the principal may see, or 404 (the same answer as for one that does not exist).</summary>
    public DatasetDefinition Describe(Principal principal, string name)
    {
        var dataset = _project.FindDataset(name);
        if (dataset is not null && Policy.CanSee(principal, dataset)) return dataset;
        var visible = Catalog(principal).Select(d => d.Name).ToList();
        throw new NotFoundException($"no dataset '{name}' ({Core.Loading.Suggest.Hint(name, visible)})");
    }

    /// <summary>
    /// Serves one read into <paramref name="sink"/>. Everything that can be refused (rate limit, grants, policy,
    /// stale data, a sheet's row limit, the statement itself) is decided before the sink's
    /// <see cref="IReadSink.Begin"/>, so a refusal is a clean status; an error after it propagates, and an HTTP
    /// sink's connection is aborted. When the client already holds the answer (its entity tag still matches), the
    /// sink is begun with <see cref="ReadAnswer.NotModified"/> and nothing is read. Every read, answered or refused,
    /// is audited and measured once, here.
    /// </summary>
    public async Task ServeAsync(ReadRequest request, IReadSink sink, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var principal = request.Principal;
        long rows = 0;
        var bytes = new CountingStream.Counter();
        var status = "error";
        QueryPlan? plan = null;
        string? versions = null;
        long? started = null;
        IDisposable? exportSlot = null;
        try
        {
            // Rows of every kind (a metric answer's too) count against the principal's rows per minute.
            if (limits is not null) await limits.CheckRowsAsync(principal, cancellationToken);
            var capabilities = sink.Capabilities;
            plan = await PlanAsync(request, capabilities, cancellationToken);
            var scopes = await AuthorizeAsync(principal, plan, cancellationToken);
            if (capabilities.Bulk) exportSlot = Exports.Enter(principal);
            await using var read = await OpenAsync(plan, scopes, capabilities, cancellationToken);
            var answer = Judge(principal, plan, read);
            versions = AuditVersion(plan, answer);
            if (answer.ETag is { } etag && request.IfNoneMatch is { } held && EntityTagMatches(held, etag))
            {
                // The client holds this very answer: the versions it was computed from are still the served ones.
                sink.Begin(answer with { NotModified = true });
                status = "not-modified";
                return;
            }
            // A sheet holds about a million rows: the same rows of the same versions are counted first, so a longer
            // answer is refused with a 400 before it starts rather than cut off a million rows in.
            if (capabilities.MaxRows is { } most && await read.CountAsync(cancellationToken) > most)
                throw XlsxEncoder.TooManyRows(most);
            await read.PrepareAsync(sink, answer, cancellationToken);
            // What answered is known once the cache was looked up: asked before, it compiled the statement a hit never runs.
            answer = answer with { AnsweredBy = read.AnsweredBy };
            if (capabilities.Bulk) started = await BeginAuditAsync(request, plan, sink.Format, versions, cancellationToken);
            var body = new CountingStream(sink.Begin(answer), bytes);
            rows = await read.WriteAsync(sink, answer, body, cancellationToken);
            await body.FlushAsync(cancellationToken);
            status = "ok";
        }
        catch (Exception e) when (IsEngineFailure(request, e))
        {
            // Raised by the engine (a value that does not convert, say): its words can quote the row at fault, so
            // they reach neither the answer nor the log; the failure names what to look at instead.
            var failure = EngineFailure(request, plan, e);
            status = failure.Kind;
            throw failure;
        }
        catch (LadleException e)
        {
            status = e.Kind;
            throw;
        }
        catch (OperationCanceledException)
        {
            status = "cancelled";
            throw;
        }
        finally
        {
            exportSlot?.Dispose();
            if (status != "ok" && sink.ClientGone) status = AuditStatuses.Cut;
            // Stopped part way (cut, cancelled, timed out): what the client was sent, not nothing.
            if (status != "ok" && sink.RowsDelivered is { } delivered) rows = delivered;
            if (limits is not null) await CountServedRowsAsync(limits, principal, rows);
            var (action, target, text) = AuditOf(request, plan);
            bytes.Bytes += sink.BytesSentPastBody;
            // Answered online lookups may be counted rather than audited one by one (LookupAuditSampler says how).
            if (!(request is FeatureLookupRequest && status == "ok" && LookupAudit is { } sampler && !sampler.Admit(principal.Name, target)))
                audit.Record(new AuditEntry(DateTimeOffset.UtcNow, principal.Name, request.Interface, target, action, text, rows, bytes.Bytes, status, clock.Elapsed)
                {
                    Started = started, Format = sink.Format, Version = versions, Subject = principal.Subject,
                });
            metrics?.RowsServed(MetricLabel(request, plan), sink.Format, status, rows, bytes.Bytes, clock.Elapsed);
        }
    }

    /// <summary>The request made a plan, typed against the project; what the caller may not see answers as unknown (404).</summary>
    private async ValueTask<QueryPlan> PlanAsync(ReadRequest request, SinkCapabilities capabilities, CancellationToken cancellationToken) => request switch
    {
        RowsRequest rows => await PlanRowsAsync(rows, capabilities, cancellationToken),
        MetricsRequest metric => PlanMetrics(metric, capabilities),
        TrustedSqlRequest sql => PlanTrustedSql(sql),
        SqlRequest sql => await PlanSqlAsync(sql, capabilities, cancellationToken),
        TrainingSetRequest training => PlanTrainingSet(training, capabilities),
        FeatureLookupRequest lookup => PlanFeatureLookup(lookup, capabilities),
        _ => throw new InvalidRequestException($"the pipeline does not serve {request.GetType().Name} yet", "request"),
    };

    /// <summary>Authorizes every read of the plan and returns each dataset's policy scope (row filters, masks).</summary>
    private async ValueTask<IReadOnlyDictionary<string, PolicyScope>> AuthorizeAsync(Principal principal, QueryPlan plan, CancellationToken cancellationToken) => plan switch
    {
        RowsPlan rows => AuthorizeRows(principal, rows),
        MetricsPlan metric => await AuthorizeMetricsAsync(principal, metric.Planned, metric.Action, cancellationToken),
        TrustedSqlPlan => AuthorizeTrustedSql(principal),
        SqlPlan sql => await AuthorizeSqlAsync(principal, sql, cancellationToken),
        TrainingSetPlan training => await AuthorizeFeaturesAsync(principal, training, training.Features, cancellationToken),
        FeatureLookupPlan lookup => await AuthorizeFeaturesAsync(principal, lookup, lookup.Features, cancellationToken),
        _ => throw new InvalidOperationException($"no authorization for plans of kind {plan.Kind}"),
    };

    /// <summary>Leases the versions the plan reads and compiles it for the engine that holds them.</summary>
    private async ValueTask<OpenedRead> OpenAsync(QueryPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes, SinkCapabilities capabilities, CancellationToken cancellationToken) => plan switch
    {
        RowsPlan rows => await OpenRowsAsync(rows, scopes, capabilities, cancellationToken),
        MetricsPlan metric => OpenMetrics(metric, scopes),
        TrustedSqlPlan sql => await OpenTrustedSqlAsync(sql, cancellationToken),
        SqlPlan sql => await OpenSqlAsync(sql, scopes, cancellationToken),
        TrainingSetPlan training => await OpenTrainingSetAsync(training, scopes, capabilities, cancellationToken),
        FeatureLookupPlan lookup => await OpenFeatureLookupAsync(lookup, scopes, cancellationToken),
        _ => throw new InvalidOperationException($"no engine opens plans of kind {plan.Kind}"),
    };

    /// <summary>
    /// The trust gate: the status of each version actually leased (so the status stated is the status of these
    /// rows), the worst one stated, stale data that refuses when stale refused here, before anything is sent.
    /// Datasets the caller may not see (a metric granted by name reads them) are not named in the answer, which is
    /// then the caller's alone.
    /// </summary>
    private ReadAnswer Judge(Principal principal, QueryPlan plan, OpenedRead read)
    {
        var (worst, all) = Judge(read.Leased, plan.Kind != PlanKind.Rows);
        var visible = all;
        for (var i = 0; i < all.Count; i++)
        {
            if (Policy.CanSee(principal, _project.GetDataset(all[i].Dataset))) continue;
            visible = all.Where(d => Policy.CanSee(principal, _project.GetDataset(d.Dataset))).ToList();
            if (worst.Status != DataStatus.Ok)
                worst = worst with
                {
                    Reason = visible.FirstOrDefault(d => d.Health.Status == worst.Status) is { } seen
                        ? $"{seen.Dataset}: {seen.Health.Reason}"
                        : $"a dataset the metric reads is {worst.StatusName}",
                };
            break;
        }
        // Weak: the same numbers from the same versions with the same status, whether computed or cached.
        var etag = read.ETag is { } tag ? $"W/\"{tag.Trim('"')}-{worst.StatusName}\"" : null;
        return new ReadAnswer(plan, worst, visible)
        {
            Name = read.Name, ETag = etag, Shared = ReferenceEquals(visible, all),
        };
    }

    /// <summary>Each leased version's status; the worst one (naming its dataset when <paramref name="named"/>), and stale data that refuses refused unless only explained.</summary>
    private (DataHealth Worst, IReadOnlyList<DatasetRead> Read) Judge(IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> leased, bool named, bool refuse = true)
    {
        var read = new DatasetRead[leased.Count];
        var worst = DataHealth.Ok;
        for (var i = 0; i < leased.Count; i++)
        {
            var (dataset, version) = leased[i];
            var health = _trust.Evaluate(dataset, version);
            if (refuse && health.Status == DataStatus.Stale && dataset.OnStale == OnStale.Refuse) throw new DatasetStaleException(dataset.Name, health);
            read[i] = new DatasetRead(dataset.Name, dataset.Materialization.ToString().ToLowerInvariant(), version?.Version, version?.PublishedAt, health);
            // An answer about one dataset's rows states its reason as it is; an answer over several says whose it is.
            if (health.Status > worst.Status) worst = named ? health with { Reason = $"{dataset.Name}: {health.Reason}" } : health;
        }
        return (worst, read);
    }

    /// <summary>
    /// A bulk read can stream for minutes: its start is audited before the first byte, durably, so a process
    /// killed mid-way still leaves who was reading what (the entry recorded at the end completes it).
    /// </summary>
    private ValueTask<long?> BeginAuditAsync(ReadRequest request, QueryPlan plan, string format, string? version, CancellationToken cancellationToken)
    {
        var (action, target, text) = AuditOf(request, plan);
        return audit.BeginAsync(new AuditEntry(DateTimeOffset.UtcNow, request.Principal.Name, request.Interface, target, action, text, 0, 0, AuditStatuses.Started, TimeSpan.Zero)
        {
            Format = format, Version = version, Subject = request.Principal.Subject,
        }, cancellationToken);
    }

    /// <summary>What the audit keeps of a read: the plan's words, or the request's when it did not make a plan.</summary>
    private static (string Action, string Target, string Text) AuditOf(ReadRequest request, QueryPlan? plan) => request switch
    {
        // Rows are audited under the name asked, planned or not, so refusals and answers read alike.
        RowsRequest rows => ("read", rows.Dataset, plan?.AuditText ?? string.Join(";", rows.Filters)),
        _ when plan is not null => (plan.AuditAction, plan.AuditTarget, plan.AuditText),
        MetricsRequest metric => ("metrics", "", MetricsPlan.Describe(metric.Query)),
        TrustedSqlRequest sql => ("sql", "", sql.Sql),
        SqlRequest sql => ("sql", "", sql.Sql),
        TrainingSetRequest training => ("training-set", "", training.FeatureService ?? string.Join(",", training.Features)),
        FeatureLookupRequest lookup => ("features", "", lookup.FeatureService ?? string.Join(",", lookup.Features)),
        _ => ("read", "", ""),
    };

    /// <summary>The version the audit records: a rows read's version number, else dataset=version pairs.</summary>
    private static string? AuditVersion(QueryPlan plan, ReadAnswer answer) =>
        plan.Kind == PlanKind.Rows ? answer.Datasets[0].Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) : answer.Versions is { Length: > 0 } v ? v : null;

    /// <summary>The dataset label of the serving metrics: names come from requests, so unknown ones share one value and the series stay bounded.</summary>
    private string MetricLabel(ReadRequest request, QueryPlan? plan) => request switch
    {
        RowsRequest rows => _project.FindDataset(rows.Dataset)?.Name ?? "_unknown",
        TrustedSqlRequest or SqlRequest => "_sql",
        _ => plan is { AuditTarget: { Length: > 0 } target } ? target : "_unknown",
    };

    /// <summary>
    /// Counts the rows served once the answer is sent: a shared counter (several nodes) that cannot be reached then
    /// must not turn an answer already sent into an error; the next request's check meets the same state store.
    /// </summary>
    private static async ValueTask CountServedRowsAsync(RateLimits limits, Principal principal, long rows)
    {
        try { await limits.CountRowsAsync(principal, rows, CancellationToken.None); }
        catch (Exception e) when (e is LadleException or System.Data.Common.DbException) { }
    }

    private static bool IsEngineFailure(ReadRequest request, Exception e) => request switch
    {
        // A metric's expressions can fail on data the statement reads even where the engine raised a Ladle error.
        MetricsRequest => (e is not LadleException && Sql.EngineErrors.IsEngineError(e)) || Sql.EngineErrors.IsDataError(e),
        _ => e is not LadleException && Sql.EngineErrors.IsEngineError(e),
    };

    private static LadleException EngineFailure(ReadRequest request, QueryPlan? plan, Exception e) => request switch
    {
        MetricsRequest => MetricsFailed((plan as MetricsPlan)?.Planned, e),
        // The owner's own SQL: the engine's words are its answer.
        TrustedSqlRequest => new InvalidRequestException(e.Message, "sql"),
        SqlRequest => SqlFailed(e),
        RowsRequest rows => new QueryFailedException($"reading dataset '{rows.Dataset}' failed: {Sql.EngineErrors.Describe(e)}; a value may not fit the declared type of one of its columns"),
        _ => new QueryFailedException($"the read failed: {Sql.EngineErrors.Describe(e)}"),
    };

    private static bool EntityTagMatches(string header, string etag)
    {
        foreach (var tag in header.Split(',', StringSplitOptions.TrimEntries))
            if (tag == "*" || tag == etag || "W/" + tag == etag) return true;
        return false;
    }

    /// <summary>
    /// An answer that is one result stream the sink encodes as it reads (the owner's SQL, a principal's SQL, a training
    /// set): not counted ahead, so a sink with a row limit is told <paramref name="notCounted"/>.
    /// </summary>
    private sealed class OpenedStream(string name, ResultStream result, IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> leased, string notCounted)
        : OpenedRead
    {
        public const string SqlNotCounted = "SQL answers are not counted ahead; ask for csv, json or ndjson";

        public override string Name => name;
        public override IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> Leased => leased;

        public override Task<long> CountAsync(CancellationToken cancellationToken) => throw new InvalidRequestException(notCounted, "format");

        public override async Task<long> WriteAsync(IReadSink sink, ReadAnswer answer, Stream body, CancellationToken cancellationToken)
        {
            await sink.WriteAsync(result, body, new EncodeContext { Name = name }, cancellationToken);
            return result.RowsRead;
        }

        public override ValueTask DisposeAsync() => result.DisposeAsync();
    }

    /// <summary>
    /// A plan opened on its engine: versions leased and the statement compiled (a rows read's already started).
    /// Each kind of plan has one; the pipeline calls them in the same order for all.
    /// </summary>
    private abstract class OpenedRead : IAsyncDisposable
    {
        /// <summary>The answer's name (dataset, metrics, query).</summary>
        public abstract string Name { get; }

        /// <summary>Each dataset read with the version leased for it (null: live).</summary>
        public abstract IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> Leased { get; }

        /// <summary>The answer's identity when it can be revalidated (metrics), else null.</summary>
        public virtual string? ETag => null;

        public virtual string AnsweredBy => "query";

        /// <summary>How many rows the answer has, counted where it runs, for sinks with a row limit.</summary>
        public abstract Task<long> CountAsync(CancellationToken cancellationToken);

        /// <summary>What may still fail before the first byte (starting the statement, encoding a cached answer).</summary>
        public virtual ValueTask PrepareAsync(IReadSink sink, ReadAnswer answer, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        /// <summary>Writes the answer into the body the sink began; returns the rows written.</summary>
        public abstract Task<long> WriteAsync(IReadSink sink, ReadAnswer answer, Stream body, CancellationToken cancellationToken);

        public abstract ValueTask DisposeAsync();
    }
}
