using System.Text.RegularExpressions;
using Ladle.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

public static partial class ProjectLoader
{
    private static readonly string[] AlertChannelKeys = ["kind", "url", "url_env", "datasets", "description"];

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentVariableRegex();

    /// <summary>Reads the channels under <c>alerts:</c>; dataset filters are checked later, once datasets are known.</summary>
    private static List<AlertChannel> ReadAlerts(YamlMappingNode alerts, DiagnosticBag diagnostics)
    {
        var result = new List<AlertChannel>();
        foreach (var (key, value) in alerts.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            var at = YamlMap.At(ProjectFile, key);
            if (!IsIdentifier(name))
                diagnostics.Add(at, $"alert channel name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter");
            if (value is not YamlMappingNode node)
            {
                diagnostics.Add(YamlMap.At(ProjectFile, value), $"alert channel '{name}' must be a mapping with 'kind' and 'url_env' or 'url'",
                    "e.g. 'kind: slack' and 'url_env: LADLE_SLACK_URL'");
                continue;
            }
            var channel = ReadAlertChannel(name, at, new YamlMap(node, ProjectFile, diagnostics, $"alert channel '{name}'", AlertChannelKeys), diagnostics);
            if (channel is null) continue;
            if (result.Any(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)))
                diagnostics.Add(at, $"alert channel '{name}' is defined twice");
            else result.Add(channel);
        }
        return result;
    }

    private static AlertChannel? ReadAlertChannel(string name, Errors.SourceLocation at, YamlMap map, DiagnosticBag diagnostics)
    {
        var kindText = map.String("kind", required: true);
        var kind = AlertChannelKind.Webhook;
        if (kindText is not null && YamlMap.ParseEnum(kindText, out kind) is { } kindHint)
            diagnostics.Add(map.At(map.Node("kind")!), $"unknown alert channel kind '{kindText}'", kindHint);

        var url = map.String("url");
        var urlEnv = map.String("url_env");
        if (url is not null && urlEnv is not null)
            diagnostics.Add(map.KeyLocation("url"), $"alert channel '{name}' has both 'url' and 'url_env'", "keep one of them; a secret URL belongs in the environment");
        else if (url is null && urlEnv is null)
        {
            const string hint = "add 'url_env: VARIABLE' naming the environment variable that holds the URL (or 'url:' for a local, non-secret endpoint)";
            // A key written but left empty is pointed at; a key of the wrong shape was already reported by YamlMap.
            var empty = new[] { "url_env", "url" }.FirstOrDefault(k => map.Node(k) is YamlScalarNode);
            if (empty is not null) diagnostics.Add(map.At(map.Node(empty)!), $"'{empty}' of alert channel '{name}' is empty", hint);
            else if (map.Node("url_env") is null && map.Node("url") is null)
                diagnostics.Add(map.Location, $"alert channel '{name}' has neither 'url_env' nor 'url'", hint);
        }

        if (url is not null && !IsHttpUrl(url))
            diagnostics.Add(map.At(map.Node("url")!), $"'url' of alert channel '{name}' is not an http or https URL: '{url}'",
                "write an absolute URL such as https://hooks.example.com/ladle");
        if (urlEnv is not null && !EnvironmentVariableRegex().IsMatch(urlEnv))
            diagnostics.Add(map.At(map.Node("url_env")!), $"'url_env' of alert channel '{name}' must name an environment variable, not hold the URL",
                "write the variable's name (e.g. LADLE_SLACK_URL) and export the URL in it");

        var datasets = map.StringList("datasets");
        var description = map.String("description");
        if (kindText is null) return null;
        return new AlertChannel
        {
            Name = name,
            Kind = kind,
            Url = url,
            UrlEnv = urlEnv,
            Description = description,
            Datasets = datasets.Select(d => d.Value).ToList(),
            DatasetLocations = datasets.Select(d => d.At).ToList(),
            Location = at,
        };
    }

    /// <summary>A channel that filters on a dataset the project does not have would silently never fire.</summary>
    private static void CheckAlertDatasets(IReadOnlyList<AlertChannel> channels, IReadOnlyList<DatasetDefinition> datasets, DiagnosticBag diagnostics)
    {
        var names = datasets.Select(d => d.Name).ToList();
        foreach (var channel in channels)
        {
            for (var i = 0; i < channel.Datasets.Count; i++)
            {
                var dataset = channel.Datasets[i];
                if (!names.Contains(dataset, StringComparer.OrdinalIgnoreCase))
                    diagnostics.Add(channel.DatasetLocations[i], $"alert channel '{channel.Name}' names unknown dataset '{dataset}'", Suggest.Hint(dataset, names));
            }
        }
    }

    /// <summary>True for an absolute http(s) URL with a host; the check a loader can make without calling it.</summary>
    public static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0;
}
