using System.Diagnostics;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Core.Queries;
using Ladle.Engine.Access;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Trust;

namespace Ladle.Engine.Serving;

/// <summary>
/// The read path of DESIGN.md, for rows and metric queries: principal → query → policy → rate limits → trust
/// gate → engine (DuckDB's own export, or a result stream → encoder) → audit and metrics. The REST API and the
/// CLI through a running server are adapters that call this; none can skip a step.
/// </summary>
public sealed partial class ReadPipeline(LadleEngine engine, IAccessPolicy policy, IAuditSink audit, IServingMetrics? metrics = null, Access.RateLimits? limits = null)
{
    public LadleEngine Engine { get; } = engine;
    public IAccessPolicy Policy { get; } = policy;

    /// <summary>For the other parts of the pipeline (metric queries), which cannot see the constructor's parameters.</summary>
    private IAuditSink Audit => audit;

    /// <summary>Bounds the exports streaming at once (server.max_exports, server.max_exports_per_principal).</summary>
    public ExportGate Exports { get; } = new(engine.Project.Server.MaxExports, engine.Project.Server.MaxExportsPerPrincipal);

    /// <summary>The datasets a principal may see, in dependency order.</summary>
    public IEnumerable<DatasetDefinition> Catalog(Principal principal) =>
        Engine.Project.Datasets.Where(d => Policy.CanSee(principal, d));

    /// <summary>A dataset the principal may see, or 404 (the same answer as for one that does not exist).</summary>
    public DatasetDefinition Describe(Principal principal, string name)
    {
        var dataset = Engine.Project.FindDataset(name);
        if (dataset is not null && Policy.CanSee(principal, dataset)) return dataset;
        var visible = Catalog(principal).Select(d => d.Name).ToList();
        throw new NotFoundException($"no dataset '{name}' ({Core.Loading.Suggest.Hint(name, visible)})");
    }

    /// <summary>
    /// Serves rows: everything that can be refused is checked before <paramref name="begin"/> is called, so an
    /// error becomes a clean status code; then the rows stream into the body <paramref name="begin"/> returns.
    /// </summary>
    public async Task ServeRowsAsync(RowsRequest request, Func<ServeInfo, Stream> begin, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var format = string.IsNullOrWhiteSpace(request.Format) ? "json" : request.Format.Trim().ToLowerInvariant();
        if (!ResultEncoders.Formats.Contains(format)) format = "_invalid";
        long rows = 0;
        var bytes = new CountingStream.Counter();
        var status = "error";
        string filters = string.Join(";", request.Filters);
        long? started = null;
        long? versionRead = null;
        IDisposable? exportPlace = null;
        try
        {
            var encoder = ResultEncoders.Get(request.Format);
            var dataset = Describe(request.Principal, request.Dataset);
            var paged = encoder.Format == "json";
            Policy.Authorize(request.Principal, dataset, paged ? DataAction.Read : DataAction.Export);
            if (!paged) exportPlace = Exports.Enter(request.Principal);
            var schema = await Engine.GetSchemaAsync(dataset, cancellationToken);
            var settings = Engine.Project.Server;
            var query = RowsRequestParser.Parse(dataset.Name, schema, request.Columns, request.Filters, request.Order,
                request.Limit, request.Cursor, paged ? settings.MaxPageSize : null);
            if (paged && query.Limit is null) query = query with { Limit = settings.DefaultPageSize };
            if (!string.IsNullOrWhiteSpace(request.Version))
            {
                if (!long.TryParse(request.Version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pinned) || pinned < 1)
                    throw new InvalidRequestException($"version must be a version number such as 3, not '{request.Version}'", "version");
                if (query.PinnedVersion is { } fromCursor && fromCursor != pinned)
                    throw new InvalidRequestException($"the cursor reads version {fromCursor}, not {pinned}; drop one of them", "version");
                if (dataset.Materialization != Materialization.Table)
                    throw new InvalidRequestException($"'{dataset.Name}' is live: it has no versions", "version");
                query = query with { PinnedVersion = pinned };
            }
            if (query.PinnedVersion is { } asked && Engine.Trust.Quarantine(dataset.Name, asked) is not null && !MayInspectQuarantine(request.Principal, dataset))
                throw new ForbiddenException(
                    $"version {asked} of '{dataset.Name}' is quarantined: only its owner ({dataset.Owner ?? "none set"}) and admins may read it; the served version answers without version=");
            if (encoder is XlsxEncoder && (query.Limit is null || query.Limit > XlsxEncoder.MaxRows))
                query = query with { Limit = XlsxEncoder.MaxRows + 1 };
            var userQuery = query;
            limits?.CheckRows(request.Principal);
            query = Policy.Apply(request.Principal, dataset, schema, query);

            if (encoder is INativeFormat native && await Engine.TryOpenNativeExportAsync(dataset, query, cancellationToken) is { } export)
            {
                // Data DuckDB holds is encoded by DuckDB itself, straight into the response.
                await using (export)
                {
                    var info = Judge(dataset, export.Version, encoder);
                    versionRead = export.Version?.Version;
                    started = await BeginExportAsync(request, filters, format, versionRead, cancellationToken);
                    var body = new CountingStream(begin(info), bytes);
                    rows = await export.CopyToAsync(native, body, cancellationToken);
                    await body.FlushAsync(cancellationToken);
                }
            }
            else
            {
                await using var result = await Engine.ReadRowsAsync(dataset, query, cancellationToken);
                var version = result.Version;
                // A sheet holds about a million rows: count the same rows of the same version first, so a longer
                // result is refused with a 400 before the response starts rather than cut off a million rows in.
                if (encoder is XlsxEncoder &&
                    await Engine.CountRowsAsync(dataset, query with { PinnedVersion = version?.Version ?? query.PinnedVersion }, cancellationToken) > XlsxEncoder.MaxRows)
                    throw XlsxEncoder.TooManyRows(XlsxEncoder.MaxRows);
                var info = Judge(dataset, version, encoder);
                versionRead = version?.Version;
                if (!paged) started = await BeginExportAsync(request, filters, format, versionRead, cancellationToken);
                var body = new CountingStream(begin(info), bytes);
                var context = new EncodeContext
                {
                    Name = dataset.Name,
                    Data = DataBlock(info, dataset),
                    NextCursor = written => NextCursor(userQuery, written, version),
                };
                await encoder.WriteAsync(result, body, context, cancellationToken);
                await body.FlushAsync(cancellationToken);
                rows = result.RowsRead;
            }
            status = "ok";
        }
        catch (Exception e) when (e is not LadleException && Sql.EngineErrors.IsEngineError(e))
        {
            // Raised while rows stream (a value that does not convert): the engine's words can quote it, so they
            // reach neither the answer nor the log.
            var failure = new QueryFailedException($"reading dataset '{request.Dataset}' failed: {Sql.EngineErrors.Describe(e)}; a value may not fit the declared type of one of its columns");
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
            exportPlace?.Dispose();
            limits?.CountRows(request.Principal, rows);
            audit.Record(new AuditEntry(DateTimeOffset.UtcNow, request.Principal.Name, request.Interface, request.Dataset,
                "read", filters, rows, bytes.Bytes, status, clock.Elapsed)
            {
                Started = started, Format = format, Version = versionRead?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Subject = request.Principal.Subject,
            });
            // Names and formats come from requests: unknown ones share one label value so the series stay bounded.
            var label = Engine.Project.FindDataset(request.Dataset)?.Name ?? "_unknown";
            metrics?.RowsServed(label, format, status, rows, bytes.Bytes, clock.Elapsed);
        }
    }

    /// <summary>
    /// An export can stream for minutes: its start is audited before the first byte, durably, so a process killed
    /// mid-way still leaves who was reading what (the entry recorded at the end completes it).
    /// </summary>
    private ValueTask<long?> BeginExportAsync(RowsRequest request, string filters, string format, long? version, CancellationToken cancellationToken) =>
        audit.BeginAsync(new AuditEntry(DateTimeOffset.UtcNow, request.Principal.Name, request.Interface, request.Dataset,
            "read", filters, 0, 0, AuditStatuses.Started, TimeSpan.Zero)
        {
            Format = format, Version = version?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Subject = request.Principal.Subject,
        }, cancellationToken);

    /// <summary>
    /// A quarantined version holds rows that failed checks: admins and the dataset's owner (a principal whose name,
    /// or whose access.yaml attribute 'email', is its <c>owner</c>) may inspect it; an embed token never.
    /// </summary>
    private bool MayInspectQuarantine(Principal principal, DatasetDefinition dataset)
    {
        if (Policy.IsAdmin(principal)) return true;
        if (principal.Method == AuthMethod.Embed || dataset.Owner is not { Length: > 0 } owner) return false;
        return string.Equals(principal.Name, owner, StringComparison.OrdinalIgnoreCase) ||
               (Engine.Project.Access.Principals.TryGetValue(principal.Name, out var definition) &&
                definition.Attributes.TryGetValue("email", out var email) && string.Equals(email, owner, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The trust gate: the status of the version actually leased, so the status stated is the status of these
    /// rows; a stale dataset that refuses when stale is refused here, before anything is sent.
    /// </summary>
    private ServeInfo Judge(DatasetDefinition dataset, DataVersion? version, IResultEncoder encoder)
    {
        var health = Engine.Trust.Evaluate(dataset, version);
        if (health.Status == DataStatus.Stale && dataset.OnStale == OnStale.Refuse) throw new DatasetStaleException(dataset.Name, health);
        return new ServeInfo(dataset.Name, health, version?.Version, version?.PublishedAt, encoder.ContentType, encoder.FileExtension);
    }

    private static string? NextCursor(RowsQuery query, long written, DataVersion? version) =>
        query.Limit is { } limit && written >= limit && limit > 0
            ? new Cursor(version?.Version, query.Offset + written, Cursor.Hash(query)) { PublishedAt = version?.PublishedAt.ToUnixTimeMilliseconds() }.Encode()
            : null;

    /// <summary>The status block every JSON answer carries.</summary>
    public static Dictionary<string, object?> DataBlock(ServeInfo info, DatasetDefinition dataset) => new()
    {
        ["dataset"] = info.Dataset,
        ["materialization"] = dataset.Materialization.ToString().ToLowerInvariant(),
        ["version"] = info.Version,
        ["published_at"] = info.PublishedAt,
        ["status"] = info.Health.StatusName,
        ["status_reason"] = info.Health.Reason,
        ["status_since"] = info.Health.Since,
    };
}
