using System.Text.RegularExpressions;
using Cronos;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

/// <summary>
/// Loads a project folder (ladle.yaml and datasets/*.yaml) and validates all of it before anything runs.
/// Throws <see cref="ProjectValidationException"/> listing every problem with file:line:column.
/// </summary>
public static partial class ProjectLoader
{
    public const string ProjectFile = "ladle.yaml";
    public const string DatasetsFolder = "datasets";

    /// <summary>The domain no dataset may have: SQL clients read metric relations in the schema of that name (metrics.&lt;model&gt;).</summary>
    public const string ReservedDomain = "metrics";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierRegex();

    private static readonly string[] ProjectKeys = ["name", "description", "sources", "server", "store", "state", "storage", "alerts", "features"];
    private static readonly string[] SourceKeys = ["kind", "path", "format", "connection_env", "description"];
    private static readonly string[] ServerKeys = ["http", "default_page_size", "max_page_size", "retain_versions", "status_interval", "run_retries", "retry_backoff",
        "statement_timeout", "max_exports", "max_exports_per_principal", "max_concurrent_reads", "postgres"];
    private static readonly string[] PostgresKeys = ["listen", "require_tls", "tls", "auth"];
    private static readonly string[] TlsKeys = ["certificate", "key"];
    private static readonly string[] DatasetKeys =
    [
        "name", "domain", "owner", "description", "source", "table", "sql", "depends_on", "columns",
        "primary_key", "materialization", "schedule", "watermark", "checks", "freshness", "on_stale", "retention",
        "on_bad_rows",
    ];
    private static readonly string[] ColumnKeys = ["name", "type", "description", "pii", "mask"];

    /// <summary>True when the text is a valid dataset, source or column identifier.</summary>
    public static bool IsIdentifier(string text) => IdentifierRegex().IsMatch(text);

    public static ProjectDefinition Load(string directory)
    {
        var root = Path.GetFullPath(directory);
        var diagnostics = new DiagnosticBag();
        var projectPath = Path.Combine(root, ProjectFile);
        if (!File.Exists(projectPath))
        {
            diagnostics.Add(new SourceLocation(projectPath, 0, 0), $"no {ProjectFile} in {root}",
                "run 'ladle init' to create a starter project, or pass --project DIR");
            diagnostics.ThrowIfAny();
        }

        var projectMap = ReadDocument(projectPath, ProjectFile, diagnostics);
        string name = "ladle";
        string? description = null;
        var server = new ServerSettings();
        var sources = new Dictionary<string, SourceDefinition>(StringComparer.OrdinalIgnoreCase);
        var alerts = new List<AlertChannel>();
        var storePath = Path.Combine(root, ".ladle", "store.duckdb");
        var statePath = Path.Combine(root, ".ladle", "state.db");
        var state = new StateSettings();
        var storage = new VersionStorageSettings();
        var featureSettings = new FeatureSettings();
        if (projectMap is not null)
        {
            var map = new YamlMap(projectMap, ProjectFile, diagnostics, ProjectFile, ProjectKeys);
            name = map.String("name", required: true) ?? name;
            description = map.String("description");
            if (map.String("store") is { } store) storePath = Path.GetFullPath(Path.Combine(root, store));
            (state, statePath) = ReadState(map, root, state, statePath, diagnostics);
            storage = ReadStorage(map, root, state, diagnostics);
            if (map.Map("server") is { } serverNode) server = ReadServer(new YamlMap(serverNode, ProjectFile, diagnostics, "server", ServerKeys), root, diagnostics);
            if (map.Map("sources") is { } sourcesNode)
            {
                foreach (var (key, value) in sourcesNode.Children)
                {
                    var source = ReadSource(root, (YamlScalarNode)key, value, diagnostics);
                    if (source is not null && !sources.TryAdd(source.Name, source))
                        diagnostics.Add(source.Location, $"source '{source.Name}' is defined twice");
                }
            }
            if (map.Map("alerts") is { } alertsNode) alerts = ReadAlerts(alertsNode, diagnostics);
            featureSettings = ReadFeatureSettings(map, diagnostics);
        }

        var datasets = ReadDatasets(root, sources, diagnostics);
        var streams = StreamLoader.Load(root, datasets, diagnostics);
        CheckAlertDatasets(alerts, datasets, diagnostics);
        var semantic = Semantic.Loading.SemanticLoader.Load(root, datasets, diagnostics);
        var features = Features.Loading.FeatureLoader.Load(root, datasets, diagnostics);
        var dashboards = DashboardLoader.Load(root, semantic, diagnostics);
        CheckFeatureFreshness(datasets, features, diagnostics);
        diagnostics.ThrowIfAny();
        var ordered = DependencyGraph.Order(datasets, sources, diagnostics);
        var access = AccessLoader.Load(root, ordered, diagnostics, streams);
        var syncs = SyncLoader.Load(root, ordered, access, diagnostics);
        diagnostics.ThrowIfAny();

        return new ProjectDefinition
        {
            Name = name,
            Description = description,
            Root = root,
            Server = server,
            StorePath = storePath,
            StatePath = statePath,
            State = state,
            Storage = storage,
            Sources = sources,
            Datasets = ordered,
            Access = access,
            Alerts = alerts,
            Semantic = semantic,
            Syncs = syncs,
            Streams = streams,
            Features = features,
            Dashboards = dashboards,
            FeatureSettings = featureSettings,
        };
    }

    /// <summary>
    /// One YAML file's root mapping, or null with the reason in <paramref name="diagnostics"/> (file:line:column);
    /// <paramref name="emptyHint"/> says what an empty file should hold.
    /// </summary>
    internal static YamlMappingNode? ReadYaml(string path, string display, DiagnosticBag diagnostics, string emptyHint = "write a mapping of keys to values") =>
        ReadDocument(path, display, diagnostics, emptyHint);

    private static YamlMappingNode? ReadDocument(string path, string display, DiagnosticBag diagnostics, string emptyHint = "write a mapping of keys to values")
    {
        try
        {
            using var reader = new StreamReader(path);
            var stream = new YamlStream();
            stream.Load(reader);
            if (stream.Documents.Count == 0)
            {
                diagnostics.Add(new SourceLocation(display, 1, 1), "the file is empty", emptyHint);
                return null;
            }
            if (stream.Documents[0].RootNode is YamlMappingNode root) return root;
            diagnostics.Add(YamlMap.At(display, stream.Documents[0].RootNode),
                $"the file must be a mapping of keys to values, not a {YamlMap.Describe(stream.Documents[0].RootNode)}");
            return null;
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            // YamlDotNet prefixes its own (Line: …) position; ours comes first and is enough.
            message = Regex.Replace(message, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", "");
            diagnostics.Add(new SourceLocation(display, (int)e.Start.Line, (int)e.Start.Column), $"invalid YAML: {message}");
            return null;
        }
    }

    private static ServerSettings ReadServer(YamlMap map, string root, DiagnosticBag diagnostics)
    {
        var defaults = new ServerSettings();
        return new ServerSettings
        {
            Http = map.String("http") ?? defaults.Http,
            DefaultPageSize = map.Int("default_page_size", 1, 1_000_000) ?? defaults.DefaultPageSize,
            MaxPageSize = map.Int("max_page_size", 1, 10_000_000) ?? defaults.MaxPageSize,
            RetainVersions = map.Int("retain_versions", 1, 1000) ?? defaults.RetainVersions,
            StatusInterval = ReadDuration(map, "status_interval", required: false, diagnostics) ?? defaults.StatusInterval,
            // Backoff doubles per retry, so a handful of retries already spans hours; more would only hide an outage.
            RunRetries = map.Int("run_retries", 0, 10) ?? defaults.RunRetries,
            RetryBackoff = ReadDuration(map, "retry_backoff", required: false, diagnostics) ?? defaults.RetryBackoff,
            StatementTimeout = ReadStatementTimeout(map, diagnostics) ?? defaults.StatementTimeout,
            MaxExports = map.Int("max_exports", 1, 1000) ?? defaults.MaxExports,
            MaxExportsPerPrincipal = map.Int("max_exports_per_principal", 1, 1000) ?? defaults.MaxExportsPerPrincipal,
            MaxConcurrentReads = map.Int("max_concurrent_reads", 1, 1024) ?? defaults.MaxConcurrentReads,
            Postgres = map.Map("postgres") is { } postgres
                ? ReadPostgres(new YamlMap(postgres, ProjectFile, diagnostics, "server.postgres", PostgresKeys), root, diagnostics)
                : defaults.Postgres,
        };
    }

    private static PostgresSettings ReadPostgres(YamlMap map, string root, DiagnosticBag diagnostics)
    {
        var listen = map.String("listen");
        if (listen is not null && !IsHostPort(listen))
            diagnostics.Add(map.At(map.Node("listen")!), $"'listen' in server.postgres is '{listen}', not host:port", "write e.g. 127.0.0.1:5433");
        var auth = PostgresAuth.ScramSha256;
        if (map.String("auth") is { } authText)
        {
            switch (authText)
            {
                case "scram-sha-256": auth = PostgresAuth.ScramSha256; break;
                case "password": auth = PostgresAuth.Password; break;
                default:
                    diagnostics.Add(map.At(map.Node("auth")!), $"unknown 'auth' '{authText}' in server.postgres",
                        "write scram-sha-256 (the default) or password (cleartext, accepted on TLS connections only)");
                    break;
            }
        }
        return new PostgresSettings
        {
            Listen = listen,
            RequireTls = map.Bool("require_tls") ?? false,
            Tls = ReadTls(map, root, diagnostics),
            Auth = auth,
        };
    }

    private static bool IsHostPort(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0 && int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is >= 0 and <= 65535;
    }

    /// <summary><c>tls:</c> is a mapping of PEM files, or <c>off</c>; without it a self-signed certificate is generated.</summary>
    private static PostgresTls ReadTls(YamlMap map, string root, DiagnosticBag diagnostics)
    {
        switch (map.Node("tls"))
        {
            case null:
                return PostgresTls.SelfSigned;
            case YamlScalarNode:
                return map.Bool("tls") is false ? PostgresTls.Off : PostgresTls.SelfSigned;
            case YamlMappingNode node:
                var tls = new YamlMap(node, ProjectFile, diagnostics, "server.postgres.tls", TlsKeys);
                string? File(string key)
                {
                    if (tls.String(key, required: true) is not { } relative) return null;
                    var path = Path.GetFullPath(Path.Combine(root, relative));
                    if (!System.IO.File.Exists(path))
                    {
                        diagnostics.Add(tls.At(tls.Node(key)!), $"the TLS {key} file '{relative}' does not exist ({path})",
                            "give the path of a PEM file, relative to the project; or remove 'tls' to use a generated self-signed certificate");
                        return null;
                    }
                    return path;
                }
                var certificate = File("certificate");
                var key = File("key");
                return certificate is null || key is null ? PostgresTls.SelfSigned : new PostgresTls(certificate, key);
            case var other:
                diagnostics.Add(map.At(other), $"'tls' in server.postgres must be a mapping with 'certificate' and 'key', or off, not a {YamlMap.Describe(other)}");
                return PostgresTls.SelfSigned;
        }
    }

    private static TimeSpan? ReadStatementTimeout(YamlMap map, DiagnosticBag diagnostics)
    {
        var timeout = ReadDuration(map, "statement_timeout", required: false, diagnostics);
        if (timeout is { } t && (t < TimeSpan.FromSeconds(1) || t > TimeSpan.FromDays(1)))
        {
            diagnostics.Add(map.At(map.Node("statement_timeout")!), $"'statement_timeout' of {Durations.Format(t)} is outside 1s to 1d",
                "write e.g. 5m; a query that runs longer is stopped and answered 503");
            return null;
        }
        return timeout;
    }

    private static SourceDefinition? ReadSource(string root, YamlScalarNode key, YamlNode value, DiagnosticBag diagnostics)
    {
        var name = key.Value ?? "";
        var at = YamlMap.At(ProjectFile, key);
        if (!IsIdentifier(name))
            diagnostics.Add(at, $"source name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter");
        if (value is not YamlMappingNode node)
        {
            diagnostics.Add(YamlMap.At(ProjectFile, value), $"source '{name}' must be a mapping with at least 'kind'");
            return null;
        }
        var map = new YamlMap(node, ProjectFile, diagnostics, $"source '{name}'", SourceKeys);
        var kindText = map.String("kind", required: true);
        if (kindText is null) return null;
        if (YamlMap.ParseEnum<SourceKind>(kindText, out var kind) is { } kindHint)
        {
            diagnostics.Add(map.At(map.Node("kind")!), $"unknown source kind '{kindText}'", kindHint);
            return null;
        }

        string? path = null;
        var format = FileFormat.Auto;
        string? connectionEnv = null;
        switch (kind)
        {
            case SourceKind.Files or SourceKind.DuckDb or SourceKind.Sqlite:
                var relative = map.String("path", required: true);
                if (relative is not null) path = Path.GetFullPath(Path.Combine(root, relative));
                if (kind == SourceKind.Files && map.String("format") is { } formatText &&
                    YamlMap.ParseEnum(formatText, out format) is { } formatHint)
                    diagnostics.Add(map.At(map.Node("format")!), $"unknown file format '{formatText}'", formatHint);
                if (kind != SourceKind.Files && map.Node("format") is { } f)
                    diagnostics.Add(map.At(f), $"'format' applies only to files sources, not {kindText}");
                if (map.Node("connection_env") is { } ce)
                    diagnostics.Add(map.At(ce), $"'connection_env' applies only to postgres sources");
                break;
            case SourceKind.Postgres:
                connectionEnv = map.String("connection_env", required: true);
                if (connectionEnv is not null && !Regex.IsMatch(connectionEnv, "^[A-Za-z_][A-Za-z0-9_]*$"))
                    diagnostics.Add(map.At(map.Node("connection_env")!),
                        $"'connection_env' must name an environment variable, not hold a connection string",
                        "write the variable's name (e.g. LADLE_PG_URL) and export the connection string in it");
                if (map.Node("path") is { } p) diagnostics.Add(map.At(p), "'path' does not apply to postgres sources", "use connection_env");
                break;
        }
        return new SourceDefinition
        {
            Name = name, Kind = kind, Path = path, Format = format, ConnectionEnv = connectionEnv, Location = at,
        };
    }

    private static List<DatasetDefinition> ReadDatasets(string root, IReadOnlyDictionary<string, SourceDefinition> sources, DiagnosticBag diagnostics)
    {
        var folder = Path.Combine(root, DatasetsFolder);
        var result = new List<DatasetDefinition>();
        if (!Directory.Exists(folder)) return result;
        var files = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        var seen = new Dictionary<string, DatasetDefinition>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in files)
        {
            var display = Path.GetRelativePath(root, path).Replace('\\', '/');
            var node = ReadDocument(path, display, diagnostics);
            if (node is null) continue;
            var dataset = ReadDataset(node, display, sources, diagnostics);
            if (dataset is null) continue;
            if (seen.TryGetValue(dataset.Name, out var first))
            {
                diagnostics.Add(dataset.Location, $"dataset '{dataset.Name}' is already defined at {first.Location}",
                    "dataset names must be unique across the project; rename one");
                continue;
            }
            seen.Add(dataset.Name, dataset);
            result.Add(dataset);
        }
        return result;
    }

    private static DatasetDefinition? ReadDataset(YamlMappingNode node, string file, IReadOnlyDictionary<string, SourceDefinition> sources, DiagnosticBag diagnostics)
    {
        var map = new YamlMap(node, file, diagnostics, "dataset", DatasetKeys);
        var name = map.String("name", required: true);
        if (name is null) return null;
        if (!IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"dataset name '{name}' is not a valid name",
                "use letters, digits and underscores, starting with a letter (it appears in URLs and SQL)");

        var sourceName = map.String("source");
        SourceDefinition? source = null;
        if (sourceName is not null && !sources.TryGetValue(sourceName, out source))
            diagnostics.Add(map.At(map.Node("source")!), $"dataset '{name}' reads from unknown source '{sourceName}'",
                Suggest.Hint(sourceName, sources.Keys.ToList()) + $"; sources are declared in {ProjectFile}");

        var table = map.String("table");
        var sql = map.String("sql");
        if (table is not null && sql is not null)
            diagnostics.Add(map.KeyLocation("sql"), $"dataset '{name}' has both 'table' and 'sql'", "keep one of them");
        else if (sourceName is null && sql is null)
            diagnostics.Add(map.Location, $"dataset '{name}' has neither 'source' nor 'sql'",
                "name a source with 'source:' and 'table:', or write 'sql:' over other datasets");
        else if (sourceName is not null && table is null && sql is null)
            diagnostics.Add(map.Location, $"dataset '{name}' has neither 'table' nor 'sql'", $"add 'table:' (what to read from source '{sourceName}') or 'sql:'");
        if (sourceName is null && table is not null)
            diagnostics.Add(map.KeyLocation("table"), $"dataset '{name}' has 'table' but no 'source'", "add 'source:' naming where the table lives");
        if (source?.Kind == SourceKind.Files && sql is not null)
            diagnostics.Add(map.KeyLocation("sql"), $"files source '{source.Name}' cannot run 'sql'",
                "use 'table:' with a path or glob under the source folder, and put SQL in a dataset without 'source' that reads this one");
        if (source?.Kind == SourceKind.Files && table is not null && (Path.IsPathRooted(table) || table.Split('/', '\\').Contains("..")))
            diagnostics.Add(map.KeyLocation("table"), $"path '{table}' leaves the folder of source '{source.Name}'",
                "write a path or glob relative to the source's folder");

        var materialization = Materialization.Table;
        if (map.String("materialization") is { } materializationText &&
            YamlMap.ParseEnum(materializationText, out materialization) is { } materializationHint)
            diagnostics.Add(map.At(map.Node("materialization")!), $"unknown materialization '{materializationText}'", materializationHint);

        var schedule = map.String("schedule");
        if (schedule is not null)
        {
            if (materialization == Materialization.Live)
                diagnostics.Add(map.KeyLocation("schedule"), $"live dataset '{name}' cannot have a schedule",
                    "a live dataset is read from its source on every request; remove 'schedule' or use 'materialization: table'");
            else
            {
                try { CronExpression.Parse(schedule); }
                catch (CronFormatException e)
                {
                    diagnostics.Add(map.At(map.Node("schedule")!), $"schedule '{schedule}' is not a valid cron expression: {e.Message}",
                        "use five fields: minute hour day-of-month month day-of-week, e.g. '0 * * * *'");
                }
            }
        }

        var columns = ReadColumns(map, name, file, diagnostics);
        var columnNames = columns.Select(c => c.Name).ToList();
        var primaryKey = new List<string>();
        foreach (var (key, at) in map.StringList("primary_key"))
        {
            if (columns.Count > 0 && !columnNames.Contains(key, StringComparer.OrdinalIgnoreCase))
                diagnostics.Add(at, $"primary key column '{key}' is not a declared column of '{name}'", Suggest.Hint(key, columnNames));
            primaryKey.Add(key);
        }
        var watermark = map.String("watermark");
        if (watermark is not null && columns.Count > 0 && !columnNames.Contains(watermark, StringComparer.OrdinalIgnoreCase))
            diagnostics.Add(map.At(map.Node("watermark")!), $"watermark column '{watermark}' is not a declared column of '{name}'", Suggest.Hint(watermark, columnNames));

        var dependsOn = map.StringList("depends_on");
        var checks = ReadChecks(map, name, columns, file, diagnostics);
        int? retainVersions = null;
        var keepQuarantined = TimeSpan.FromDays(7);
        if (map.Map("retention") is { } retentionNode)
        {
            var retention = new YamlMap(retentionNode, file, diagnostics, "retention", "versions", "quarantined");
            retainVersions = retention.Int("versions", 1, 1000);
            if (retention.String("quarantined") is { } keep && !Durations.TryParse(keep, out keepQuarantined))
                diagnostics.Add(retention.At(retention.Node("quarantined")!), $"'quarantined' is not a duration: '{keep}'", "expected " + Durations.Expected);
        }
        var freshness = ReadFreshnessSlo(map, file, diagnostics);
        var onStale = OnStale.Serve;
        if (map.String("on_stale") is { } onStaleText && YamlMap.ParseEnum(onStaleText, out onStale) is { } onStaleHint)
            diagnostics.Add(map.At(map.Node("on_stale")!), $"unknown on_stale '{onStaleText}'", onStaleHint);
        if (map.Node("on_stale") is not null && freshness is null && onStale != OnStale.Serve)
            diagnostics.Add(map.KeyLocation("on_stale"), $"on_stale applies only with a freshness promise", "add 'freshness: { max_age: 2h }'");
        var badRows = ReadBadRows(map, name, source, columns.Count > 0, diagnostics);
        // A domain is a schema over SQL, and the schema 'metrics' holds the metric relations (metrics.<model>).
        if (map.String("domain") is { } domain && string.Equals(domain.Trim(), ReservedDomain, StringComparison.OrdinalIgnoreCase))
            diagnostics.Add(map.At(map.Node("domain")!), $"domain '{domain}' is reserved: SQL clients read metric relations in the schema '{ReservedDomain}' (SELECT region, MEASURE(revenue) FROM metrics.orders GROUP BY 1)",
                "choose another domain name, e.g. 'metrics_data'");
        return new DatasetDefinition
        {
            Name = name,
            Domain = map.String("domain"),
            Owner = map.String("owner"),
            Description = map.String("description"),
            Source = sourceName,
            Table = table,
            Sql = sql,
            DependsOn = dependsOn.Select(d => d.Value).ToList(),
            Columns = columns,
            PrimaryKey = primaryKey,
            Materialization = materialization,
            Schedule = schedule,
            WatermarkColumn = watermark,
            Checks = checks,
            Freshness = freshness,
            OnStale = onStale,
            RetainVersions = retainVersions,
            KeepQuarantined = keepQuarantined,
            BadRows = badRows,
            File = file,
            Location = map.Location,
            DependsOnLocations = dependsOn.Select(d => d.At).ToList(),
        };
    }

    private static MaskKind ReadMask(YamlMap column, DiagnosticBag diagnostics)
    {
        var mask = MaskKind.Redact;
        if (column.String("mask") is { } text && YamlMap.ParseEnum(text, out mask) is { } hint)
            diagnostics.Add(column.At(column.Node("mask")!), $"unknown mask '{text}'", hint);
        if (column.Node("mask") is not null && column.Bool("pii") != true)
            diagnostics.Add(column.KeyLocation("mask"), "a mask applies only to a column with 'pii: true'", "add 'pii: true' or remove 'mask'");
        return mask;
    }

    /// <summary>The most columns a dataset may declare; wider tables are almost always a generated mistake.</summary>
    public const int MaxColumns = 10_000;

    internal static List<ColumnDefinition> ReadColumns(YamlMap map, string dataset, string file, DiagnosticBag diagnostics)
    {
        var result = new List<ColumnDefinition>();
        if (map.Sequence("columns") is not { } seq) return result;
        if (seq.Children.Count > MaxColumns)
        {
            // Refused before reading them: every later step (checks, schema, SQL) would pay for each one.
            diagnostics.Add(map.KeyLocation("columns"), $"dataset '{dataset}' declares {seq.Children.Count:N0} columns, more than the {MaxColumns:N0} Ladle accepts",
                "split the dataset, or leave 'columns:' out to serve what the source has");
            return result;
        }
        var declared = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in seq)
        {
            if (item is not YamlMappingNode columnNode)
            {
                diagnostics.Add(YamlMap.At(file, item), "each column must be a mapping with 'name' and 'type'", "e.g. '- name: order_id\\n    type: integer'");
                continue;
            }
            var column = new YamlMap(columnNode, file, diagnostics, $"a column of '{dataset}'", ColumnKeys);
            var name = column.String("name", required: true);
            var typeText = column.String("type", required: true);
            var type = LadleType.String;
            if (typeText is not null && !LadleTypes.TryParse(typeText, out type))
                diagnostics.Add(column.At(column.Node("type")!), $"unknown column type '{typeText}'", "expected one of: " + LadleTypes.Allowed);
            if (name is null) continue;
            if (!IsIdentifier(name))
                diagnostics.Add(column.At(column.Node("name")!), $"column name '{name}' is not a valid name", "use letters, digits and underscores");
            if (!declared.Add(name))
            {
                diagnostics.Add(column.At(column.Node("name")!), $"column '{name}' is declared twice in '{dataset}'");
                continue;
            }
            result.Add(new ColumnDefinition
            {
                Name = name,
                Type = type,
                Description = column.String("description"),
                Pii = column.Bool("pii") ?? false,
                Mask = ReadMask(column, diagnostics),
                Location = column.Location,
            });
        }
        return result;
    }
}
