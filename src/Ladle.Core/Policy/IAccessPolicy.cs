using Ladle.Core.Model;
using Ladle.Core.Queries;

namespace Ladle.Core.Policy;

/// <summary>What a principal may do with data.</summary>
public enum DataAction : byte
{
    /// <summary>Read rows page by page (JSON) and query metrics.</summary>
    Read,

    /// <summary>Bulk exports: csv, ndjson, parquet, xlsx.</summary>
    Export,

    /// <summary>Sign embed tokens for applications.</summary>
    Embed,

    /// <summary>Everything: PII in clear, the audit log, token management, refreshes and check runs.</summary>
    Admin,

    /// <summary>Send events to a stream (granted on streams only).</summary>
    Write,
}

/// <summary>
/// The policy step of the read path: who may see which dataset, and what a principal's query becomes
/// (row filters, masks). Rows and metric queries reach it through ReadPipeline; the admin endpoints through
/// <see cref="IAccessPolicy.AuthorizeProject"/>.
/// </summary>
public interface IAccessPolicy
{
    /// <summary>Throws when the principal may not perform the action on the stream (404 when it holds no grant on it at all).</summary>
    void AuthorizeStream(Principal principal, string stream, DataAction action);

    /// <summary>True when the principal may know the dataset exists (catalog listings).</summary>
    bool CanSee(Principal principal, DatasetDefinition dataset);

    /// <summary>Throws when the principal may not perform the action (404 if it may not even see the dataset).</summary>
    void Authorize(Principal principal, DatasetDefinition dataset, DataAction action);

    /// <summary>
    /// The query as this principal may run it: its row filters added (bound from its attributes) and its masks;
    /// throws when the request filters or orders on a column masked for it.
    /// </summary>
    RowsQuery Apply(Principal principal, DatasetDefinition dataset, DatasetSchema schema, RowsQuery query);

    /// <summary>
    /// True when a grant names the metric (or '*' metrics) with <paramref name="action"/> (for an embed token: an
    /// 'embed' grant): its own measures may be aggregated without grants on their datasets; dimensions still need them.
    /// </summary>
    bool IsMetricGranted(Principal principal, string metric, DataAction action = DataAction.Read);

    /// <summary>
    /// The rows of <paramref name="dataset"/> a metric granted by name may aggregate, from the row filters of the
    /// grants naming it (bound from the principal's attributes): null when no grant names it, empty for every row,
    /// else groups of conditions of which a row must meet one.
    /// </summary>
    IReadOnlyList<IReadOnlyList<Filter>>? MetricRowFilters(Principal principal, string metric, DatasetDefinition dataset, DatasetSchema schema);

    /// <summary>True for admins (never for an embed token, whoever signed it).</summary>
    bool IsAdmin(Principal principal);

    /// <summary>True when the principal may see PII columns in clear (samples of failing rows carry them).</summary>
    bool HasPiiClearance(Principal principal);

    /// <summary>Throws 403 unless the principal holds <paramref name="action"/> on the project as a whole (audit, tokens, refresh, check runs).</summary>
    void AuthorizeProject(Principal principal, DataAction action);
}
