using Ladle.Core.Access;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Core.Queries;

namespace Ladle.Engine.Access;

/// <summary>
/// access.yaml enforced: default deny; a dataset is visible through a grant on it, its domain or '*'; row filters
/// are bound from the principal's attributes (a missing attribute refuses, it never widens); PII columns are masked
/// for principals without clearance, and cannot be filtered on.
/// </summary>
public sealed class AccessPolicy(ProjectDefinition project, string maskKey, bool devAnonymousIsAdmin) : IAccessPolicy
{
    private AccessDefinition Access => project.Access;

    public bool CanSee(Principal principal, DatasetDefinition dataset)
    {
        if (principal.AllowedDatasets is { } allowed && !allowed.Contains(dataset.Name, StringComparer.OrdinalIgnoreCase)) return false;
        return IsAdmin(principal) || Grants(principal, dataset).Any();
    }

    public void Authorize(Principal principal, DatasetDefinition dataset, DataAction action)
    {
        if (!CanSee(principal, dataset))
        {
            var visible = project.Datasets.Where(d => CanSee(principal, d)).Select(d => d.Name).ToList();
            throw new NotFoundException($"no dataset '{dataset.Name}' ({Core.Loading.Suggest.Hint(dataset.Name, visible)})");
        }
        if (principal.Method == AuthMethod.Embed)
        {
            // An embed token reads through its principal's 'embed' grants, and only reads; one signed with 'export'
            // also exports those same rows (the same row filters, masks and narrowing), nothing more.
            if (action == DataAction.Read || (action == DataAction.Export && principal.MayExport)) return;
            throw new ForbiddenException(action == DataAction.Export
                ? $"this embed token may not export dataset '{dataset.Name}': it was signed without \"export\": true"
                : $"an embed token may only read (JSON rows and metrics), not {action.ToString().ToLowerInvariant()} dataset '{dataset.Name}'");
        }
        if (IsAdmin(principal) || Grants(principal, dataset).Any(g => g.Grant.Actions.Contains(action))) return;
        throw new ForbiddenException(
            $"principal '{principal.Name}' may not {action.ToString().ToLowerInvariant()} dataset '{dataset.Name}': none of its roles " +
            $"({string.Join(", ", Access.RolesOf(principal.Name).Select(r => r.Name))}) grants '{action.ToString().ToLowerInvariant()}' on it or its domain" +
            (dataset.Domain is null ? "" : $" '{dataset.Domain}'"));
    }

    public void AuthorizeProject(Principal principal, DataAction action)
    {
        if (principal.Method == AuthMethod.Embed)
            throw new ForbiddenException($"an embed token may only read; it may not {action.ToString().ToLowerInvariant()}");
        if (IsAdmin(principal)) return;
        if (action == DataAction.Embed && Access.RolesOf(principal.Name).Any(r => r.Grants.Any(g => g.Actions.Contains(DataAction.Embed)))) return;
        throw new ForbiddenException($"principal '{principal.Name}' may not do this: it needs '{action.ToString().ToLowerInvariant()}' (an admin role{(action == DataAction.Embed ? " or a grant of 'embed'" : "")})");
    }

    public void AuthorizeStream(Principal principal, string stream, DataAction action)
    {
        if (principal.Method == AuthMethod.Embed)
            throw new ForbiddenException($"an embed token may only read; it may not {action.ToString().ToLowerInvariant()} stream '{stream}'");
        if (IsAdmin(principal)) return;
        var grants = Access.RolesOf(principal.Name).SelectMany(r => r.Grants)
            .Where(g => g.Streams.Any(s => s == "*" || string.Equals(s, stream, StringComparison.OrdinalIgnoreCase))).ToList();
        if (grants.Count == 0 && project.FindStream(stream) is { } known && project.FindDataset(known.Dataset) is { } windows && CanSee(principal, windows))
            throw new ForbiddenException($"principal '{principal.Name}' may not {action.ToString().ToLowerInvariant()} stream '{stream}': it may read its windows, but none of its roles grants '{action.ToString().ToLowerInvariant()}' on the stream");
        if (grants.Count == 0)
        {
            var visible = project.Streams.Where(s => Access.RolesOf(principal.Name).Any(r => r.Grants.Any(g => g.Streams.Any(x => x == "*" || string.Equals(x, s.Name, StringComparison.OrdinalIgnoreCase)))))
                .Select(s => s.Name).ToList();
            throw new NotFoundException($"no stream '{stream}' ({Core.Loading.Suggest.Hint(stream, visible)})");
        }
        if (grants.Any(g => g.Actions.Contains(action))) return;
        throw new ForbiddenException($"principal '{principal.Name}' may not {action.ToString().ToLowerInvariant()} stream '{stream}': none of its roles grants '{action.ToString().ToLowerInvariant()}' on it");
    }

    public RowsQuery Apply(Principal principal, DatasetDefinition dataset, DatasetSchema schema, RowsQuery query)
    {
        if (IsAdmin(principal)) return query;
        var grants = Grants(principal, dataset).Where(g => principal.Method == AuthMethod.Embed
            || g.Grant.Actions.Contains(DataAction.Read) || g.Grant.Actions.Contains(DataAction.Export)).ToList();

        // One unfiltered grant shows every row; otherwise a row shows when one grant's filter admits it.
        var groups = grants.Any(g => g.Grant.RowFilter is null)
            ? []
            : grants.Select(g => Bind(principal, g.Role, g.Grant.RowFilter!, dataset, schema)).ToList();

        var masks = new Dictionary<string, MaskKind>(StringComparer.OrdinalIgnoreCase);
        if (!HasPiiClearance(principal))
            foreach (var column in schema.Columns.Where(c => c.Pii)) masks[column.Name] = column.Mask;
        foreach (var filter in query.Filters.Where(f => masks.ContainsKey(f.Column)))
            throw new ForbiddenException($"column '{filter.Column}' of '{dataset.Name}' is masked for principal '{principal.Name}' (PII); filtering on it needs a role with 'pii: true'");

        return query with { PolicyFilters = groups, Masks = masks, MaskKey = maskKey };
    }

    public bool IsMetricGranted(Principal principal, string metric, DataAction action = DataAction.Read)
    {
        if (IsAdmin(principal)) return true;
        // An embed token holds metrics through its principal's 'embed' grants, and only to read them.
        if (principal.Method == AuthMethod.Embed && action != DataAction.Read && !(action == DataAction.Export && principal.MayExport)) return false;
        var needed = principal.Method == AuthMethod.Embed ? DataAction.Embed : action;
        return Access.RolesOf(principal.Name).Any(r => r.Grants.Any(g =>
            g.Actions.Contains(needed) && g.Metrics.Any(m => m == "*" || string.Equals(m, metric, StringComparison.OrdinalIgnoreCase))));
    }

    public IReadOnlyList<IReadOnlyList<Filter>>? MetricRowFilters(Principal principal, string metric, DatasetDefinition dataset, DatasetSchema schema)
    {
        if (IsAdmin(principal)) return [];
        var needed = principal.Method == AuthMethod.Embed ? DataAction.Embed : DataAction.Read;
        var grants = Access.RolesOf(principal.Name).SelectMany(r => r.Grants.Select(g => (Role: r, Grant: g)))
            .Where(x => x.Grant.Actions.Contains(needed) && x.Grant.Metrics.Any(m => m == "*" || string.Equals(m, metric, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        if (grants.Count == 0) return null;
        return grants.Any(g => g.Grant.RowFilter is null) ? [] : grants.Select(g => Bind(principal, g.Role, g.Grant.RowFilter!, dataset, schema)).ToList();
    }

    /// <summary>The columns this principal sees masked in a dataset (for catalog details).</summary>
    public bool Masks(Principal principal, SchemaColumn column) => column.Pii && !HasPiiClearance(principal);

    private IReadOnlyList<Filter> Bind(Principal principal, Role role, RowFilter filter, DatasetDefinition dataset, DatasetSchema schema)
    {
        var bound = new List<Filter>();
        foreach (var condition in filter.Conditions)
        {
            var column = schema.Find(condition.Column) ?? throw new ForbiddenException(
                $"the row filter of role '{role.Name}' ({filter.Text}, {filter.Location}) refers to column '{condition.Column}', which dataset '{dataset.Name}' lacks; nothing is served until access.yaml is fixed");
            var values = condition.Values.Select(v =>
            {
                var text = v.Literal ?? (principal.Attributes.TryGetValue(v.Attribute!, out var attribute) ? attribute : throw new ForbiddenException(
                    $"principal '{principal.Name}' has no attribute '{v.Attribute}', which the row filter of role '{role.Name}' needs ({filter.Text})"));
                try { return RowsRequestParser.Convert(filter.Text, column, text); }
                catch (InvalidRequestException)
                {
                    throw new ForbiddenException($"the value '{text}' of {v} is not a valid {column.Type.Name()} for column '{column.Name}' in the row filter of role '{role.Name}'");
                }
            }).ToList();
            bound.Add(new Filter(column.Name, condition.Operator, values));
        }
        return bound;
    }

    /// <summary>The grants covering a dataset; for an embed token only its principal's 'embed' grants, the most it may carry.</summary>
    private IEnumerable<(Role Role, Grant Grant)> Grants(Principal principal, DatasetDefinition dataset) =>
        Access.RolesOf(principal.Name).SelectMany(r => r.Grants.Select(g => (r, g)))
            .Where(x => Covers(x.g, dataset) && (principal.Method != AuthMethod.Embed || x.g.Actions.Contains(DataAction.Embed)));

    private static bool Covers(Grant grant, DatasetDefinition dataset) =>
        grant.Datasets.Any(d => d == "*" || string.Equals(d, dataset.Name, StringComparison.OrdinalIgnoreCase)) ||
        grant.Domains.Any(d => d == "*" || (dataset.Domain is not null && string.Equals(d, dataset.Domain, StringComparison.OrdinalIgnoreCase)));

    public bool IsAdmin(Principal principal) =>
        principal.Method != AuthMethod.Embed &&
        ((principal.IsAnonymous && devAnonymousIsAdmin) || principal.Method == AuthMethod.Local || Access.RolesOf(principal.Name).Any(r => r.Admin));

    /// <summary>Admins and roles with 'pii: true'; never an embed token, which a browser holds.</summary>
    public bool HasPiiClearance(Principal principal) =>
        principal.Method != AuthMethod.Embed && (IsAdmin(principal) || Access.RolesOf(principal.Name).Any(r => r.Pii));
}
