using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Policy;
using Ladle.Core.Queries;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;
using Ladle.Engine.Store;

namespace Ladle.Engine.Serving;

public sealed partial class ReadPipeline
{
    /// <summary>Rows asked as text, parsed and typed against the dataset's schema, paged for paged sinks, capped for sheets.</summary>
    private async Task<RowsPlan> PlanRowsAsync(RowsRequest request, SinkCapabilities capabilities, CancellationToken cancellationToken)
    {
        var dataset = Describe(request.Principal, request.Dataset);
        // The grant comes before the parameters: a principal without it learns nothing from how they parse.
        Policy.Authorize(request.Principal, dataset, capabilities.Paged ? DataAction.Read : DataAction.Export);
        var schema = await _schemas.GetAsync(dataset, cancellationToken);
        var settings = _project.Server;
        var query = RowsRequestParser.Parse(dataset.Name, schema, request.Columns, request.Filters, request.Order,
            request.Limit, request.Cursor, capabilities.Paged ? settings.MaxPageSize : null);
        if (capabilities.Paged && query.Limit is null) query = query with { Limit = settings.DefaultPageSize };
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
        if (query.PinnedVersion is { } asked && _trust.Quarantine(dataset.Name, asked) is not null && !MayInspectQuarantine(request.Principal, dataset))
            throw new ForbiddenException(
                $"version {asked} of '{dataset.Name}' is quarantined: only its owner ({dataset.Owner ?? "none set"}) and admins may read it; the served version answers without version=");
        if (capabilities.MaxRows is { } most && (query.Limit is null || query.Limit > most))
            query = query with { Limit = most + 1 };
        return new RowsPlan(dataset, schema, query, capabilities.Paged ? DataAction.Read : DataAction.Export, string.Join(";", request.Filters));
    }

    /// <summary>The rows read must be granted for its action; its scope is the principal's row filters and masks on the dataset.</summary>
    private Dictionary<string, PolicyScope> AuthorizeRows(Principal principal, RowsPlan plan)
    {
        foreach (var read in plan.Reads) Policy.Authorize(principal, plan.Dataset, read.Action);
        var applied = Policy.Apply(principal, plan.Dataset, plan.Schema, plan.Query);
        var scope = ReferenceEquals(applied, plan.Query) ? PolicyScope.Unrestricted
            : new PolicyScope(applied.PolicyFilters, applied.Masks) { MaskKey = applied.MaskKey };
        return new Dictionary<string, PolicyScope>(1, StringComparer.OrdinalIgnoreCase) { [plan.Dataset.Name] = scope };
    }

    /// <summary>
    /// Opens the rows inside their scope: as DuckDB's own export when the sink takes its bytes and the data is in
    /// DuckDB's reach, else as a result stream; either leases the version and compiles the query (SelectBuilder).
    /// </summary>
    private async Task<OpenedRead> OpenRowsAsync(RowsPlan plan, IReadOnlyDictionary<string, PolicyScope> scopes, SinkCapabilities capabilities, CancellationToken cancellationToken)
    {
        var query = plan.Scoped(scopes[plan.Dataset.Name]);
        if (capabilities.InStore)
        {
            var relation = await _reader.OpenInStoreAsync(plan.Dataset, query, cancellationToken);
            return new OpenedRows(this, plan, query, relation.Version, null, null, null) { Relation = relation };
        }
        if (capabilities.NativeCopy is { } native && await _reader.TryOpenNativeExportAsync(plan.Dataset, query, cancellationToken) is { } export)
            return new OpenedRows(this, plan, query, export.Version, native, export, null);
        var result = await _reader.ReadRowsAsync(plan.Dataset, query, cancellationToken);
        return new OpenedRows(this, plan, query, result.Version, null, null, result);
    }

    /// <summary>
    /// A quarantined version holds rows that failed checks: admins and the dataset's owner (a principal whose name,
    /// or whose access.yaml attribute 'email', is its <c>owner</c>) may inspect it; an embed token never.
    /// </summary>
    private bool MayInspectQuarantine(Principal principal, DatasetDefinition dataset)
    {
        if (Policy.IsAdmin(principal)) return true;
        if (principal.Method == AuthMethod.Embed || dataset.Owner is not { Length: > 0 } owner) return false;
        return string.Equals(principal.Name, owner, StringComparison.OrdinalIgnoreCase) ||
               (_project.Access.Principals.TryGetValue(principal.Name, out var definition) &&
                definition.Attributes.TryGetValue("email", out var email) && string.Equals(email, owner, StringComparison.OrdinalIgnoreCase));
    }

    private static string? NextCursor(RowsQuery query, long written, DataVersion? version) =>
        query.Limit is { } limit && written >= limit && limit > 0
            ? new Cursor(version?.Version, query.Offset + written, Cursor.Hash(query)) { PublishedAt = version?.PublishedAt.ToUnixTimeMilliseconds() }.Encode()
            : null;

    /// <summary>The status block every JSON rows answer carries.</summary>
    public static Dictionary<string, object?> DataBlock(DatasetRead read) => new()
    {
        ["dataset"] = read.Dataset,
        ["materialization"] = read.Materialization,
        ["version"] = read.Version,
        ["published_at"] = read.PublishedAt,
        ["status"] = read.Health.StatusName,
        ["status_reason"] = read.Health.Reason,
        ["status_since"] = read.Health.Since,
    };

    /// <summary>Rows of one dataset, opened as DuckDB's export or as a result stream.</summary>
    private sealed class OpenedRows(ReadPipeline pipeline, RowsPlan plan, RowsQuery scoped, DataVersion? version,
        INativeFormat? native, NativeExport? export, ResultStream? result) : OpenedRead
    {
        public override string Name => plan.Dataset.Name;

        public override IReadOnlyList<(DatasetDefinition Dataset, DataVersion? Version)> Leased { get; } = [(plan.Dataset, version)];

        /// <summary>The statement for a sink that runs it in the store (<see cref="SinkCapabilities.InStore"/>).</summary>
        public StoreRelation? Relation { get; init; }

        public override Task<long> CountAsync(CancellationToken cancellationToken) =>
            pipeline._reader.CountRowsAsync(plan.Dataset, scoped with { PinnedVersion = version?.Version ?? scoped.PinnedVersion }, cancellationToken);

        public override async Task<long> WriteAsync(IReadSink sink, ReadAnswer answer, Stream body, CancellationToken cancellationToken)
        {
            if (Relation is not null) return await ((IStoreRelationSink)sink).ConsumeAsync(Relation, cancellationToken);
            // Data DuckDB holds is encoded by DuckDB itself, straight into the answer.
            if (export is not null) return await export.CopyToAsync(native!, body, cancellationToken);
            var context = new EncodeContext
            {
                Name = plan.Dataset.Name,
                Data = DataBlock(answer.Datasets[0]),
                NextCursor = written => NextCursor(plan.Query, written, version),
            };
            await sink.WriteAsync(result!, body, context, cancellationToken);
            return result!.RowsRead;
        }

        public override async ValueTask DisposeAsync()
        {
            Relation?.Dispose();
            if (export is not null) await export.DisposeAsync();
            if (result is not null) await result.DisposeAsync();
        }
    }
}
