using Ladle.Core.Errors;
using Ladle.Core.Policy;
using Ladle.Core.Model;

namespace Ladle.Engine.Access;

/// <summary>
/// The rules an embed token is signed by: it is at most its principal's 'embed' grants. Only an admin signs for
/// another principal; the principal must hold an 'embed' grant (admin rights never travel in a token); it names
/// only datasets and metrics those grants cover; its attributes add to the principal's, never replace them (so the
/// grants' row filters only narrow); its subject is checked; it never carries PII clearance.
/// </summary>
public static class EmbedGrants
{
    private const int MaxText = 200;

    /// <summary>What an embed page's theme may set.</summary>
    public static readonly string[] ThemeKeys = ["accent", "background", "text", "font", "mode"];

    /// <summary>
    /// The request as it may be signed for <paramref name="issuer"/>, names made canonical, or 400/403 saying why not.
    /// <paramref name="visibleMetrics"/> names the metrics a principal may query (its metric scope).
    /// </summary>
    public static EmbedRequest Check(Principal issuer, EmbedRequest request, ProjectDefinition project, IAccessPolicy policy, Func<Principal, IEnumerable<string>> visibleMetrics)
    {
        if (issuer.Method == AuthMethod.Embed) throw new ForbiddenException("an embed token cannot sign embed tokens");
        policy.AuthorizeProject(issuer, DataAction.Embed);
        var admin = policy.IsAdmin(issuer);

        var name = string.IsNullOrWhiteSpace(request.Principal) ? issuer.Name : request.Principal.Trim();
        if (!string.Equals(name, issuer.Name, StringComparison.OrdinalIgnoreCase) && !admin)
            throw new ForbiddenException($"principal '{issuer.Name}' may sign embed tokens only for itself, not for '{name}'");
        if (!project.Access.Principals.TryGetValue(name, out var definition))
            throw new InvalidRequestException($"no principal '{name}' in access.yaml ({Core.Loading.Suggest.Hint(name, project.Access.Principals.Keys.ToList())})", "principal");
        if (!project.Access.RolesOf(definition.Name).Any(r => r.Grants.Any(g => g.Actions.Contains(DataAction.Embed))))
            throw new InvalidRequestException(
                $"principal '{definition.Name}' holds no 'embed' grant; an embed token reads only through its principal's 'embed' grants (admin rights never travel in a token)", "principal");

        foreach (var (key, value) in request.Attributes)
        {
            if (key.Length is 0 or > 64 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new InvalidRequestException($"attribute name '{Shorten(key)}' must be 1 to 64 letters, digits or underscores", "attributes");
            if (value.Length > MaxText || value.Any(char.IsControl))
                throw new InvalidRequestException($"the value of attribute '{key}' must be at most {MaxText} characters, without control characters", "attributes");
            if (definition.Attributes.ContainsKey(key))
                throw new InvalidRequestException(
                    $"attribute '{key}' is set for principal '{definition.Name}' in access.yaml; an embed token may add attributes, never replace them (its row filters stay bound to the principal's own)", "attributes");
        }
        if (request.Subject is { } subject && (subject.Trim().Length == 0 || subject.Length > MaxText || subject.Any(char.IsControl)))
            throw new InvalidRequestException($"subject must be 1 to {MaxText} characters without control characters (the end user or tenant the page is for)", "subject");

        foreach (var (key, value) in request.Theme ?? new Dictionary<string, string>())
        {
            if (!ThemeKeys.Contains(key, StringComparer.Ordinal))
                throw new InvalidRequestException($"unknown theme key '{Shorten(key)}' (expected {string.Join(", ", ThemeKeys)})", "theme");
            // Colours and font names only: the page sets them as CSS custom properties, never as markup or url().
            if (value.Length is 0 or > 100 || !value.All(c => char.IsAsciiLetterOrDigit(c) || " #,.'\"%()-".Contains(c)) || value.Contains("url(", StringComparison.OrdinalIgnoreCase))
                throw new InvalidRequestException($"theme '{key}' must be a colour or font name of at most 100 characters (letters, digits, # , . ' \" % ( ) -)", "theme");
        }

        var attributes = new Dictionary<string, string>(definition.Attributes, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in request.Attributes) attributes[key] = value;
        var embedder = new Principal(definition.Name, attributes) { Method = AuthMethod.Embed };

        List<string>? datasets = null;
        if (request.Datasets is { } askedDatasets)
        {
            var embeddable = project.Datasets.Where(d => policy.CanSee(embedder, d)).Select(d => d.Name).ToList();
            datasets = askedDatasets.Select(d =>
                embeddable.FirstOrDefault(e => string.Equals(e, d?.Trim(), StringComparison.OrdinalIgnoreCase)) ?? throw new InvalidRequestException(
                    $"principal '{definition.Name}' may not embed dataset '{Shorten(d ?? "")}' (its 'embed' grants cover: {(embeddable.Count == 0 ? "none" : string.Join(", ", embeddable))})", "datasets"))
                .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }
        List<string>? metrics = null;
        if (request.Metrics is { } askedMetrics)
        {
            var embeddable = visibleMetrics(embedder).ToList();
            metrics = askedMetrics.Select(m =>
                embeddable.FirstOrDefault(e => string.Equals(e, m?.Trim(), StringComparison.OrdinalIgnoreCase)) ?? throw new InvalidRequestException(
                    $"principal '{definition.Name}' may not embed metric '{Shorten(m ?? "")}' (its 'embed' grants cover: {(embeddable.Count == 0 ? "none" : string.Join(", ", embeddable))})", "metrics"))
                .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }
        List<string>? dashboards = null;
        if (request.Dashboards is { } askedDashboards)
        {
            // A dashboard's token reads what its tiles read and nothing else: its metrics, and the datasets its
            // tiles and shared filters reach, unless the request narrows further with 'metrics' or 'datasets'.
            var embeddableMetrics = visibleMetrics(embedder).ToList();
            var embeddableDatasets = project.Datasets.Where(d => policy.CanSee(embedder, d)).Select(d => d.Name).ToList();
            dashboards = [];
            var dashboardMetrics = new List<string>();
            var dashboardDatasets = new List<string>();
            foreach (var asked in askedDashboards)
            {
                var dashboard = project.FindDashboard(asked?.Trim() ?? "") ?? throw new InvalidRequestException(
                    $"no dashboard '{Shorten(asked ?? "")}' ({Core.Loading.Suggest.Hint(asked ?? "", project.Dashboards.Select(d => d.Name).ToList())})", "dashboards");
                foreach (var metric in dashboard.Metrics)
                    dashboardMetrics.Add(embeddableMetrics.FirstOrDefault(e => string.Equals(e, metric, StringComparison.OrdinalIgnoreCase)) ?? throw new InvalidRequestException(
                        $"principal '{definition.Name}' may not embed dashboard '{dashboard.Name}': its 'embed' grants do not cover metric '{metric}'", "dashboards"));
                foreach (var dataset in Core.Model.Dashboards.DashboardQueries.DatasetsRead(dashboard, project.Semantic))
                    dashboardDatasets.Add(embeddableDatasets.FirstOrDefault(e => string.Equals(e, dataset, StringComparison.OrdinalIgnoreCase)) ?? throw new InvalidRequestException(
                        $"principal '{definition.Name}' may not embed dashboard '{dashboard.Name}': its tiles read dataset '{dataset}', which its 'embed' grants do not cover", "dashboards"));
                if (!dashboards.Contains(dashboard.Name, StringComparer.OrdinalIgnoreCase)) dashboards.Add(dashboard.Name);
            }
            metrics ??= dashboardMetrics.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            datasets ??= dashboardDatasets.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }
        return request with { Principal = definition.Name, Datasets = datasets, Metrics = metrics, Dashboards = dashboards, Subject = request.Subject?.Trim() };
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
