using Ladle.Core.Model;

namespace Ladle.Core.Loading;

public static partial class ProjectLoader
{
    private static readonly string[] FeatureSettingsKeys = ["online", "audit"];
    private static readonly string[] OnlineStoreKeys = ["kind", "connection_env", "key_prefix"];
    private static readonly string[] FeatureAuditKeys = ["full_per_second", "then_one_in"];

    /// <summary><c>features:</c> in ladle.yaml: the online store and the lookup audit's sampling.</summary>
    private static FeatureSettings ReadFeatureSettings(YamlMap project, DiagnosticBag diagnostics)
    {
        var settings = new FeatureSettings();
        if (project.Map("features") is not { } node) return settings;
        var map = new YamlMap(node, ProjectFile, diagnostics, "features", FeatureSettingsKeys);
        settings = settings with { Location = map.Location };
        if (map.Map("online") is { } onlineNode)
        {
            var online = new YamlMap(onlineNode, ProjectFile, diagnostics, "features.online", OnlineStoreKeys);
            if (online.String("kind") is { } kindText)
            {
                if (YamlMap.ParseEnum<OnlineStoreKind>(kindText, out var kind) is { } hint)
                    diagnostics.Add(online.At(online.Node("kind")!), $"unknown online store kind '{kindText}'", hint);
                else
                    settings = settings with { OnlineKind = kind };
            }
            settings = settings with { ConnectionEnv = online.String("connection_env"), KeyPrefix = online.String("key_prefix") };
            if (settings.OnlineKind == OnlineStoreKind.Redis && settings.ConnectionEnv is null)
                diagnostics.Add(online.Location, "a redis online store needs 'connection_env': the environment variable holding its address",
                    "e.g. 'connection_env: LADLE_REDIS' with LADLE_REDIS=localhost:6379,password=…");
            if (settings.OnlineKind == OnlineStoreKind.Memory && settings.ConnectionEnv is not null)
                diagnostics.Add(online.KeyLocation("connection_env"), "'connection_env' applies only to 'kind: redis'", "remove it, or set 'kind: redis'");
        }
        if (map.Map("audit") is { } auditNode)
        {
            var audit = new YamlMap(auditNode, ProjectFile, diagnostics, "features.audit", FeatureAuditKeys);
            settings = settings with
            {
                AuditFullPerSecond = audit.Int("full_per_second", 0, 1_000_000) ?? settings.AuditFullPerSecond,
                AuditOneIn = audit.Int("then_one_in", 1, 1_000_000) ?? settings.AuditOneIn,
            };
        }
        return settings;
    }

    /// <summary>A freshness check naming a feature view names one over its own dataset (checks are read before features).</summary>
    private static void CheckFeatureFreshness(IEnumerable<DatasetDefinition> datasets, Features.FeatureRegistry features, DiagnosticBag diagnostics)
    {
        foreach (var dataset in datasets)
            foreach (var check in dataset.Checks.Where(c => c.FeatureView is not null))
            {
                var over = features.ViewsOf(dataset.Name).Select(v => v.Name).ToList();
                if (features.FindView(check.FeatureView!) is not { } view)
                    diagnostics.Add(check.Location, $"check '{check.Name}' of '{dataset.Name}' names no feature view '{check.FeatureView}'",
                        over.Count > 0 ? Suggest.Hint(check.FeatureView!, over) : $"declare a feature view over '{dataset.Name}' in features/*.yaml");
                else if (!string.Equals(view.Dataset.Name, dataset.Name, StringComparison.OrdinalIgnoreCase))
                    diagnostics.Add(check.Location, $"check '{check.Name}' of '{dataset.Name}' names feature view '{view.Name}', which is over '{view.Dataset.Name}'",
                        $"move the check to datasets of '{view.Dataset.Name}'");
            }
    }
}
