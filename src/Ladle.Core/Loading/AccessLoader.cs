using Ladle.Core.Access;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

/// <summary>Loads and validates access.yaml: roles and their grants, principals, embed keys, limits.</summary>
internal static class AccessLoader
{
    public const string FileName = "access.yaml";

    private static readonly string[] TopKeys = ["roles", "principals", "embed", "rate_limits", "open_endpoints", "audit"];
    private static readonly string[] RoleKeys = ["description", "grants", "pii", "admin"];
    private static readonly string[] GrantKeys = ["actions", "domains", "datasets", "metrics", "streams", "row_filter"];
    private static readonly string[] PrincipalKeys = ["kind", "roles", "attributes", "description"];

    public static AccessDefinition Load(string root, IReadOnlyList<DatasetDefinition> datasets, DiagnosticBag diagnostics, IReadOnlyList<Model.Streams.StreamDefinition>? streams = null)
    {
        var path = Path.Combine(root, FileName);
        if (!File.Exists(path)) return AccessDefinition.Empty;
        var node = ProjectLoader.ReadYaml(path, FileName, diagnostics);
        if (node is null) return AccessDefinition.Empty;
        var map = new YamlMap(node, FileName, diagnostics, FileName, TopKeys);

        var roles = new Dictionary<string, Role>(StringComparer.OrdinalIgnoreCase);
        if (map.Map("roles") is { } rolesNode)
        {
            foreach (var (key, value) in rolesNode.Children)
            {
                var role = ReadRole((YamlScalarNode)key, value, datasets, streams ?? [], diagnostics);
                if (role is not null && !roles.TryAdd(role.Name, role)) diagnostics.Add(role.Location, $"role '{role.Name}' is defined twice");
            }
        }

        var principals = new Dictionary<string, PrincipalDefinition>(StringComparer.OrdinalIgnoreCase);
        if (map.Map("principals") is { } principalsNode)
        {
            foreach (var (key, value) in principalsNode.Children)
            {
                var principal = ReadPrincipal((YamlScalarNode)key, value, roles, diagnostics);
                if (principal is not null && !principals.TryAdd(principal.Name, principal)) diagnostics.Add(principal.Location, $"principal '{principal.Name}' is defined twice");
            }
        }

        var embed = new EmbedSettings();
        if (map.Map("embed") is { } embedNode)
        {
            var e = new YamlMap(embedNode, FileName, diagnostics, "embed", "signing_key_envs", "max_ttl");
            var keys = e.StringList("signing_key_envs").Select(k => k.Value).ToList();
            if (keys.Count > 2) diagnostics.Add(e.KeyLocation("signing_key_envs"), "at most two signing keys are active at once (the current one and the one being retired)");
            TimeSpan ttl = TimeSpan.FromHours(1);
            if (e.String("max_ttl") is { } ttlText && !Durations.TryParse(ttlText, out ttl))
                diagnostics.Add(e.At(e.Node("max_ttl")!), $"max_ttl '{ttlText}' is not a duration", "expected " + Durations.Expected);
            embed = new EmbedSettings { KeyEnvironmentVariables = keys, MaxTtl = ttl };
        }

        RateLimit? defaultLimit = null;
        var unauthenticatedLimit = new RateLimit(AccessDefinition.UnauthenticatedRequestsPerSecond, null);
        var limits = new Dictionary<string, RateLimit>(StringComparer.OrdinalIgnoreCase);
        if (map.Map("rate_limits") is { } limitsNode)
        {
            foreach (var (key, value) in limitsNode.Children)
            {
                var name = ((YamlScalarNode)key).Value ?? "";
                if (value is not YamlMappingNode limitNode)
                {
                    diagnostics.Add(YamlMap.At(FileName, value), $"rate limit '{name}' must be a mapping with requests_per_second and/or rows_per_minute");
                    continue;
                }
                var l = new YamlMap(limitNode, FileName, diagnostics, $"rate limit '{name}'", "requests_per_second", "rows_per_minute");
                var limit = new RateLimit(l.Int("requests_per_second", 1, 1_000_000), l.Int("rows_per_minute", 1, int.MaxValue));
                if (name == "default") defaultLimit = limit;
                else if (name == "unauthenticated")
                {
                    if (l.Node("rows_per_minute") is { } rows) diagnostics.Add(l.At(rows), "'unauthenticated' limits requests per client address; it reads no rows", "keep only requests_per_second");
                    unauthenticatedLimit = limit;
                }
                else if (!principals.ContainsKey(name)) diagnostics.Add(YamlMap.At(FileName, key), $"rate limit for unknown principal '{name}'", Suggest.Hint(name, principals.Keys.Append("default").Append("unauthenticated").ToList()));
                else limits[name] = limit;
            }
        }

        var open = map.StringList("open_endpoints").Select(o => o.Value.ToLowerInvariant()).ToList();
        foreach (var (value, at) in map.StringList("open_endpoints").Where(o => o.Value.ToLowerInvariant() is not ("healthz" or "metrics" or "openapi")))
            diagnostics.Add(at, $"'{value}' cannot be opened without a token", "only healthz, metrics and openapi can be open");
        var auditRetention = TimeSpan.FromDays(90);
        if (map.Map("audit") is { } auditNode)
        {
            var a = new YamlMap(auditNode, FileName, diagnostics, "audit", "retention");
            if (a.String("retention") is { } r && !Durations.TryParse(r, out auditRetention))
                diagnostics.Add(a.At(a.Node("retention")!), $"audit retention '{r}' is not a duration", "expected " + Durations.Expected);
        }

        return new AccessDefinition
        {
            Roles = roles,
            Principals = principals,
            Embed = embed,
            DefaultRateLimit = defaultLimit,
            RateLimits = limits,
            UnauthenticatedRateLimit = unauthenticatedLimit,
            OpenEndpoints = map.Node("open_endpoints") is null ? ["healthz", "metrics"] : open,
            AuditRetention = auditRetention,
        };
    }

    private static Role? ReadRole(YamlScalarNode key, YamlNode value, IReadOnlyList<DatasetDefinition> datasets, IReadOnlyList<Model.Streams.StreamDefinition> streams, DiagnosticBag diagnostics)
    {
        var name = key.Value ?? "";
        var at = YamlMap.At(FileName, key);
        if (!ProjectLoader.IsIdentifier(name)) diagnostics.Add(at, $"role name '{name}' is not a valid name", "use letters, digits and underscores");
        if (value is not YamlMappingNode node)
        {
            diagnostics.Add(YamlMap.At(FileName, value), $"role '{name}' must be a mapping with 'grants' (or 'admin: true')");
            return null;
        }
        var map = new YamlMap(node, FileName, diagnostics, $"role '{name}'", RoleKeys);
        var grants = new List<Grant>();
        foreach (var item in map.Sequence("grants") ?? new YamlSequenceNode())
        {
            if (item is not YamlMappingNode grantNode)
            {
                diagnostics.Add(YamlMap.At(FileName, item), "each grant must be a mapping with 'actions' and 'domains', 'datasets' or 'metrics'");
                continue;
            }
            if (ReadGrant(grantNode, name, datasets, streams, diagnostics) is { } grant) grants.Add(grant);
        }
        var admin = map.Bool("admin") ?? false;
        if (grants.Count == 0 && !admin) diagnostics.Add(at, $"role '{name}' grants nothing", "add 'grants:' or 'admin: true'");
        return new Role { Name = name, Description = map.String("description"), Grants = grants, Pii = map.Bool("pii") ?? admin, Admin = admin, Location = at };
    }

    private static Grant? ReadGrant(YamlMappingNode node, string role, IReadOnlyList<DatasetDefinition> datasets, IReadOnlyList<Model.Streams.StreamDefinition> streams, DiagnosticBag diagnostics)
    {
        var map = new YamlMap(node, FileName, diagnostics, $"a grant of role '{role}'", GrantKeys);
        var actions = new List<DataAction>();
        foreach (var (actionText, at) in map.StringList("actions"))
        {
            if (YamlMap.ParseEnum<DataAction>(actionText, out var action) is { } hint) diagnostics.Add(at, $"unknown action '{actionText}'", hint);
            else actions.Add(action);
        }
        if (actions.Count == 0) diagnostics.Add(map.Location, "a grant needs 'actions' (read, export, embed, write, admin)");
        var domains = map.StringList("domains");
        var named = map.StringList("datasets");
        var metrics = map.StringList("metrics");
        var streamNames = map.StringList("streams");
        if (domains.Count + named.Count + metrics.Count + streamNames.Count == 0)
            diagnostics.Add(map.Location, "a grant needs 'domains', 'datasets', 'metrics' or 'streams' (write '*' for all)");
        foreach (var (stream, at) in streamNames.Where(s => s.Value != "*" && !streams.Any(x => string.Equals(x.Name, s.Value, StringComparison.OrdinalIgnoreCase))))
            diagnostics.Add(at, $"unknown stream '{stream}'", Suggest.Hint(stream, streams.Select(s => s.Name).ToList()));
        if (actions.Contains(DataAction.Write) && streamNames.Count == 0)
            diagnostics.Add(map.Location, "'write' is granted on streams only (it lets a token send events)", "add 'streams: [<name>]' to the grant");
        var knownDomains = datasets.Select(d => d.Domain).Where(d => d is not null).Select(d => d!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var (domain, at) in domains.Where(d => d.Value != "*" && !knownDomains.Contains(d.Value, StringComparer.OrdinalIgnoreCase)))
            diagnostics.Add(at, $"no dataset is in domain '{domain}'", Suggest.Hint(domain, knownDomains));
        foreach (var (dataset, at) in named.Where(d => d.Value != "*" && !datasets.Any(x => string.Equals(x.Name, d.Value, StringComparison.OrdinalIgnoreCase))))
            diagnostics.Add(at, $"unknown dataset '{dataset}'", Suggest.Hint(dataset, datasets.Select(d => d.Name).ToList()));

        RowFilter? filter = null;
        if (map.String("row_filter") is { } text)
        {
            var at = map.At(map.Node("row_filter")!);
            try
            {
                filter = RowFilterParser.Parse(text, at);
                // Columns are checked against every dataset the grant names that declares its columns.
                foreach (var dataset in datasets.Where(d => named.Any(n => string.Equals(n.Value, d.Name, StringComparison.OrdinalIgnoreCase)) && d.Columns.Count > 0))
                    foreach (var column in filter.Conditions.Select(c => c.Column).Where(c => dataset.FindColumn(c) is null))
                        diagnostics.Add(at, $"row filter column '{column}' is not a column of dataset '{dataset.Name}'", Suggest.Hint(column, dataset.Columns.Select(c => c.Name).ToList()));
            }
            catch (RowFilterException e)
            {
                diagnostics.Add(e.Location, e.Message, "write e.g. merchant_id = {{ principal.merchant_id }} and region in ('EU', 'UK')");
            }
        }
        return new Grant
        {
            Actions = actions,
            Domains = domains.Select(d => d.Value).ToList(),
            Datasets = named.Select(d => d.Value).ToList(),
            Metrics = metrics.Select(m => m.Value).ToList(),
            Streams = streamNames.Select(s => s.Value).ToList(),
            RowFilter = filter,
            Location = map.Location,
        };
    }

    private static PrincipalDefinition? ReadPrincipal(YamlScalarNode key, YamlNode value, IReadOnlyDictionary<string, Role> roles, DiagnosticBag diagnostics)
    {
        var name = key.Value ?? "";
        var at = YamlMap.At(FileName, key);
        if (!ProjectLoader.IsIdentifier(name)) diagnostics.Add(at, $"principal name '{name}' is not a valid name", "use letters, digits and underscores");
        if (value is not YamlMappingNode node)
        {
            diagnostics.Add(YamlMap.At(FileName, value), $"principal '{name}' must be a mapping with 'roles'");
            return null;
        }
        var map = new YamlMap(node, FileName, diagnostics, $"principal '{name}'", PrincipalKeys);
        var kind = PrincipalKind.User;
        if (map.String("kind") is { } kindText && YamlMap.ParseEnum(kindText, out kind) is { } kindHint)
            diagnostics.Add(map.At(map.Node("kind")!), $"unknown principal kind '{kindText}'", kindHint);
        var principalRoles = new List<string>();
        foreach (var (role, roleAt) in map.StringList("roles"))
        {
            if (roles.TryGetValue(role, out var found)) principalRoles.Add(found.Name);
            else diagnostics.Add(roleAt, $"principal '{name}' has unknown role '{role}'", Suggest.Hint(role, roles.Keys.ToList()));
        }
        if (principalRoles.Count == 0 && map.Node("roles") is null) diagnostics.Add(at, $"principal '{name}' has no roles", "add 'roles: [ … ]'");
        var attributes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (map.Map("attributes") is { } attributesNode)
        {
            foreach (var (k, v) in attributesNode.Children)
            {
                if (v is YamlScalarNode { Value: { } text }) attributes[((YamlScalarNode)k).Value ?? ""] = text;
                else diagnostics.Add(YamlMap.At(FileName, v), "attribute values must be single values");
            }
        }
        return new PrincipalDefinition { Name = name, Kind = kind, Roles = principalRoles, Attributes = attributes, Location = at };
    }
}
