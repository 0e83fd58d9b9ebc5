using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using Ladle.Core.Access;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Model.Syncs;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

/// <summary>
/// Loads syncs/*.yaml (reverse ETL). Every problem is recorded with file:line:column and a hint, all of them, like
/// the rest of the project's loading; secrets are only ever names of environment variables.
/// </summary>
internal static partial class SyncLoader
{
    public const string SyncsFolder = "syncs";

    /// <summary>The largest batch a destination over HTTP takes in one request.</summary>
    public const int MaxBatchSize = 10_000;

    /// <summary>
    /// The largest batch, and the default one, of a PostgreSQL destination: it COPYs a batch in one transaction, so
    /// large batches save round trips and transactions (a batch's rows are held in memory while it is sent).
    /// </summary>
    public const int MaxPostgresBatchSize = 100_000, DefaultPostgresBatchSize = 50_000;

    private static readonly string[] SyncKeys =
        ["name", "description", "source", "principal", "destination", "key", "fields", "mode", "schedule", "on_publish", "batch_size", "rate_limit", "on_stale", "thresholds"];
    private static readonly string[] SourceKeys = ["dataset", "filters", "metrics", "by", "time_dimension", "granularity", "range", "zone"];
    private static readonly string[] DestinationKeys = ["kind", "url_env", "secret_env", "connection_env", "table", "token_env", "object", "timeout", "max_attempts"];
    private static readonly string[] FieldKeys = ["source", "destination", "type"];
    private static readonly string[] ThresholdKeys = ["max_reject_rate", "min_rows", "max_delete_share"];

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentVariableRegex();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex TableNameRegex();

    [GeneratedRegex(@"^\s*([0-9]+(?:\.[0-9]+)?)\s*/\s*(s|sec|second|m|min|minute)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex RateRegex();

    public static IReadOnlyList<SyncDefinition> Load(string root, IReadOnlyList<DatasetDefinition> datasets, AccessDefinition access, DiagnosticBag diagnostics)
    {
        var folder = Path.Combine(root, SyncsFolder);
        if (!Directory.Exists(folder)) return [];
        var result = new List<SyncDefinition>();
        var files = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var display = Path.GetRelativePath(root, path).Replace('\\', '/');
            var node = ProjectLoader.ReadYaml(path, display, diagnostics, "write a sync: name, source, principal, destination, key, fields");
            if (node is null) continue;
            var sync = ReadSync(new YamlMap(node, display, diagnostics, "sync", SyncKeys), display, datasets, access, diagnostics);
            if (sync is null) continue;
            if (result.FirstOrDefault(s => string.Equals(s.Name, sync.Name, StringComparison.OrdinalIgnoreCase)) is { } first)
                diagnostics.Add(sync.Location, $"sync '{sync.Name}' is already defined at {first.Location}", "sync names must be unique across the project; rename one");
            else result.Add(sync);
        }
        return result;
    }

    private static SyncDefinition? ReadSync(YamlMap map, string file, IReadOnlyList<DatasetDefinition> datasets, AccessDefinition access, DiagnosticBag diagnostics)
    {
        var name = map.String("name", required: true);
        if (name is not null && !ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"sync name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter (it appears in URLs)");

        DatasetDefinition? dataset = null;
        string? datasetName = null;
        IReadOnlyList<string> filters = [];
        Semantic.Queries.MetricQuery? metric = null;
        if (map.Map("source") is { } sourceNode)
        {
            var source = new YamlMap(sourceNode, file, diagnostics, "the sync's source", SourceKeys);
            filters = source.StringList("filters").Select(f => f.Value).ToList();
            if (source.Node("metrics") is not null)
            {
                // A metric query: checked against the semantic layer when it is read, as the REST API checks it.
                if (source.Node("dataset") is not null)
                    diagnostics.Add(source.KeyLocation("dataset"), $"sync '{name}' reads a dataset and a metric query", "a source is either 'dataset:' or 'metrics:'; remove one");
                metric = new Semantic.Queries.MetricQuery
                {
                    Metrics = source.StringList("metrics").Select(m => m.Value).ToList(),
                    Dimensions = source.StringList("by").Select(m => m.Value).ToList(),
                    TimeDimension = source.String("time_dimension"),
                    Granularity = source.String("granularity"),
                    Range = source.String("range"),
                    Zone = source.String("zone"),
                    Filters = filters,
                };
                if (metric.Metrics.Count == 0)
                    diagnostics.Add(source.KeyLocation("metrics"), $"sync '{name}' reads a metric query without metrics", "list them, e.g. 'metrics: [revenue]'");
                datasetName = "metrics";
            }
            else datasetName = source.String("dataset", required: true);
            if (metric is null && datasetName is not null)
            {
                dataset = datasets.FirstOrDefault(d => string.Equals(d.Name, datasetName, StringComparison.OrdinalIgnoreCase));
                if (dataset is null)
                    diagnostics.Add(source.At(source.Node("dataset")!), $"sync '{name}' reads unknown dataset '{datasetName}'", Suggest.Hint(datasetName, datasets.Select(d => d.Name).ToList()));
                else if (dataset.Materialization != Materialization.Table)
                    diagnostics.Add(source.At(source.Node("dataset")!), $"sync '{name}' reads live dataset '{datasetName}'",
                        "a sync diffs published versions; give the dataset 'materialization: table'");
            }
        }
        else if (map.Node("source") is null) diagnostics.Add(map.Location, $"sync '{name}' has no 'source'", "add 'source: { dataset: <name> }'");

        var principal = map.String("principal", required: true);
        if (principal is not null && !access.Principals.ContainsKey(principal))
            diagnostics.Add(map.At(map.Node("principal")!), $"sync '{name}' reads as unknown principal '{principal}'",
                Suggest.Hint(principal, access.Principals.Keys.ToList()) + "; principals are declared in access.yaml, and the sync sees what that principal may see");

        var destination = map.Map("destination") is { } destinationNode
            ? ReadDestination(new YamlMap(destinationNode, file, diagnostics, $"the destination of sync '{name}'", DestinationKeys), name, diagnostics)
            : null;
        if (destination is null && map.Node("destination") is null)
            diagnostics.Add(map.Location, $"sync '{name}' has no 'destination'", "add 'destination: { kind: webhook, url_env: MY_URL }'");

        var columns = dataset?.Columns.Select(c => c.Name).ToList() ?? [];
        var key = map.Node("key") is { } keyNode ? ReadField(keyNode, file, "key", columns, diagnostics, typed: false) : null;
        if (map.Node("key") is null) diagnostics.Add(map.Location, $"sync '{name}' has no 'key'", "add 'key: { source: customer_id, destination: external_id }'");

        var fields = new List<SyncFieldMapping>();
        if (map.Sequence("fields") is { } fieldsNode)
        {
            foreach (var item in fieldsNode)
            {
                if (ReadField(item, file, "field", columns, diagnostics, typed: true) is not { } field) continue;
                if (fields.Any(f => string.Equals(f.Destination, field.Destination, StringComparison.OrdinalIgnoreCase)) ||
                    (key is not null && string.Equals(key.Destination, field.Destination, StringComparison.OrdinalIgnoreCase)))
                    diagnostics.Add(field.Location, $"destination field '{field.Destination}' is written twice by sync '{name}'", "map each destination field once");
                else fields.Add(field);
            }
        }
        if (fields.Count == 0 && map.Node("fields") is null)
            diagnostics.Add(map.Location, $"sync '{name}' has no 'fields'", "list the fields to send, e.g. 'fields: [ { source: lead_score, destination: score, type: integer } ]'");

        var mode = SyncMode.Upsert;
        if (map.String("mode") is { } modeText && YamlMap.ParseEnum(modeText, out mode) is { } modeHint)
            diagnostics.Add(map.At(map.Node("mode")!), $"unknown mode '{modeText}'", modeHint);

        var schedule = map.String("schedule");
        if (schedule is not null)
        {
            try { CronExpression.Parse(schedule); }
            catch (CronFormatException e)
            {
                diagnostics.Add(map.At(map.Node("schedule")!), $"schedule '{schedule}' is not a valid cron expression: {e.Message}",
                    "use five fields: minute hour day-of-month month day-of-week, e.g. '0 3 * * *'");
            }
        }
        var onPublish = map.Bool("on_publish") ?? false;
        if (onPublish && metric is not null)
            diagnostics.Add(map.At(map.Node("on_publish")!), $"sync '{name}' reads a metric query, which has no publication of its own to follow",
                "give it a 'schedule' instead (cron, UTC)");

        var batchSize = map.Int("batch_size", 1, destination?.Kind == SyncDestinationKind.Postgres ? MaxPostgresBatchSize : MaxBatchSize)
            ?? destination?.Kind switch { SyncDestinationKind.Hubspot => 100, SyncDestinationKind.Postgres => DefaultPostgresBatchSize, _ => 500 };
        if (destination?.Kind == SyncDestinationKind.Hubspot && batchSize > 100)
            diagnostics.Add(map.At(map.Node("batch_size")!), $"batch_size {batchSize} is more than the 100 records HubSpot takes in one batch", "write batch_size: 100 or less");

        double? rate = null;
        if (map.String("rate_limit") is { } rateText)
        {
            var match = RateRegex().Match(rateText);
            if (!match.Success || double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) <= 0)
                diagnostics.Add(map.At(map.Node("rate_limit")!), $"'rate_limit' is '{rateText}', not a number of requests per second or minute", "write e.g. 10/s or 100/min");
            else
            {
                var count = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                rate = match.Groups[2].Value.StartsWith('m') || match.Groups[2].Value.StartsWith('M') ? count / 60 : count;
            }
        }

        var onStale = SyncOnStale.Refuse;
        if (map.String("on_stale") is { } staleText && YamlMap.ParseEnum(staleText, out onStale) is { } staleHint)
            diagnostics.Add(map.At(map.Node("on_stale")!), $"unknown on_stale '{staleText}'", staleHint);

        var thresholds = map.Map("thresholds") is { } thresholdNode
            ? ReadThresholds(new YamlMap(thresholdNode, file, diagnostics, $"the thresholds of sync '{name}'", ThresholdKeys), diagnostics)
            : new SyncThresholds();
        if (map.Node("thresholds") is not null && mode != SyncMode.Mirror && map.Map("thresholds") is { } t && t.Children.ContainsKey(new YamlScalarNode("max_delete_share")))
            diagnostics.Add(map.KeyLocation("thresholds"), "'max_delete_share' applies only to mode: mirror", "remove it, or write 'mode: mirror'");

        if (name is null || datasetName is null || principal is null || destination is null || key is null) return null;
        return new SyncDefinition
        {
            Name = name,
            Description = map.String("description"),
            Dataset = dataset?.Name ?? datasetName,
            Filters = metric is null ? filters : [],
            Metric = metric,
            Principal = principal,
            Destination = destination,
            Key = key,
            Fields = fields,
            Mode = mode,
            Schedule = schedule,
            OnPublish = onPublish,
            BatchSize = batchSize,
            RequestsPerSecond = rate,
            Thresholds = thresholds,
            OnStale = onStale,
            File = file,
            Location = map.Location,
        };
    }

    private static SyncThresholds ReadThresholds(YamlMap map, DiagnosticBag diagnostics)
    {
        double? Share(string key)
        {
            if (map.String(key) is not { } text) return null;
            if (Durations.TryParseThreshold(text, out var value, out var fraction) && fraction) return value;
            diagnostics.Add(map.At(map.Node(key)!), $"'{key}' is '{text}', not a percentage", "write e.g. 10%");
            return null;
        }
        var defaults = new SyncThresholds();
        return new SyncThresholds
        {
            MaxRejectRate = Share("max_reject_rate") ?? defaults.MaxRejectRate,
            MaxDeleteShare = Share("max_delete_share") ?? defaults.MaxDeleteShare,
            MinRowsForRejectRate = map.Int("min_rows", 1, 1_000_000) ?? defaults.MinRowsForRejectRate,
        };
    }

    /// <summary>A field written as a name (same on both sides) or as a mapping of source, destination and type.</summary>
    private static SyncFieldMapping? ReadField(YamlNode node, string file, string what, IReadOnlyList<string> columns, DiagnosticBag diagnostics, bool typed)
    {
        string? source, destination;
        LadleType? type = null;
        var at = YamlMap.At(file, node);
        switch (node)
        {
            case YamlScalarNode { Value: { Length: > 0 } text } when !YamlMap.IsNull((YamlScalarNode)node):
                source = destination = text;
                break;
            case YamlMappingNode mapping:
                var map = new YamlMap(mapping, file, diagnostics, $"a sync {what}", typed ? FieldKeys : ["source", "destination"]);
                source = map.String("source", required: true);
                destination = map.String("destination") ?? source;
                if (typed && map.String("type") is { } typeText)
                {
                    if (LadleTypes.TryParse(typeText, out var parsed)) type = parsed;
                    else diagnostics.Add(map.At(map.Node("type")!), $"unknown type '{typeText}'", "expected one of: " + LadleTypes.Allowed);
                }
                break;
            default:
                diagnostics.Add(at, $"a sync {what} must be a column name or a mapping with 'source' and 'destination'", "e.g. '{ source: lead_score, destination: score }'");
                return null;
        }
        if (source is null || destination is null) return null;
        if (columns.Count > 0 && !columns.Contains(source, StringComparer.OrdinalIgnoreCase))
            diagnostics.Add(at, $"the sync's {what} reads '{source}', which is not a declared column of its dataset", Suggest.Hint(source, columns));
        if (!ProjectLoader.IsIdentifier(destination))
            diagnostics.Add(at, $"destination field '{destination}' is not a valid name", "use letters, digits and underscores, starting with a letter");
        return new SyncFieldMapping(source, destination, type, at);
    }

    private static SyncDestinationDefinition? ReadDestination(YamlMap map, string? sync, DiagnosticBag diagnostics)
    {
        var kindText = map.String("kind", required: true);
        if (kindText is null) return null;
        if (YamlMap.ParseEnum<SyncDestinationKind>(kindText, out var kind) is { } hint)
        {
            diagnostics.Add(map.At(map.Node("kind")!), $"unknown destination kind '{kindText}'", hint);
            return null;
        }
        string? Env(string key, bool required)
        {
            var value = map.String(key, required);
            if (value is not null && !EnvironmentVariableRegex().IsMatch(value))
            {
                diagnostics.Add(map.At(map.Node(key)!), $"'{key}' must name an environment variable, not hold a secret",
                    "write the variable's name (e.g. CRM_WEBHOOK_URL) and export the value in it; secrets never go in YAML");
                return null;
            }
            return value;
        }
        void NotFor(params string[] keys)
        {
            foreach (var key in keys)
                if (map.Node(key) is not null)
                    diagnostics.Add(map.KeyLocation(key), $"'{key}' does not apply to a {kindText} destination", $"remove it from the destination of sync '{sync}'");
        }
        string? urlEnv = null, secretEnv = null, connectionEnv = null, table = null, tokenEnv = null, objectType = null;
        switch (kind)
        {
            case SyncDestinationKind.Webhook:
                urlEnv = Env("url_env", required: true);
                secretEnv = Env("secret_env", required: false);
                NotFor("connection_env", "table", "token_env", "object");
                break;
            case SyncDestinationKind.Postgres:
                connectionEnv = Env("connection_env", required: true);
                table = map.String("table", required: true);
                if (table is not null && !TableNameRegex().IsMatch(table))
                    diagnostics.Add(map.At(map.Node("table")!), $"table '{table}' is not a table name", "write table or schema.table, letters, digits and underscores");
                NotFor("url_env", "secret_env", "token_env", "object");
                break;
            case SyncDestinationKind.Hubspot:
                tokenEnv = Env("token_env", required: true);
                urlEnv = Env("url_env", required: false);
                objectType = map.String("object") ?? "contacts";
                if (!ProjectLoader.IsIdentifier(objectType))
                    diagnostics.Add(map.At(map.Node("object")!), $"HubSpot object '{objectType}' is not an object type", "write e.g. contacts or companies");
                NotFor("secret_env", "connection_env", "table");
                break;
        }
        var timeout = TimeSpan.FromSeconds(30);
        if (map.String("timeout") is { } timeoutText && (!Durations.TryParse(timeoutText, out timeout) || timeout > TimeSpan.FromMinutes(10)))
        {
            diagnostics.Add(map.At(map.Node("timeout")!), $"'timeout' is '{timeoutText}', not a duration up to 10m", "write e.g. 30s");
            timeout = TimeSpan.FromSeconds(30);
        }
        return new SyncDestinationDefinition
        {
            Kind = kind,
            UrlEnv = urlEnv,
            SecretEnv = secretEnv,
            ConnectionEnv = connectionEnv,
            Table = table,
            TokenEnv = tokenEnv,
            Object = objectType,
            Timeout = timeout,
            MaxAttempts = map.Int("max_attempts", 1, 20) ?? 5,
            Location = map.Location,
        };
    }
}
