using System.Globalization;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Model.Streams;
using YamlDotNet.RepresentationModel;

namespace Ladle.Core.Loading;

/// <summary>
/// Loads streams/*.yaml. Each stream also declares the table dataset its closed windows are appended to (keys,
/// window_start, window_end, aggregates, seq), added to the project's datasets so rows, metrics, SQL and grants
/// reach it like any other. Every problem is recorded with file:line:column and a hint.
/// </summary>
internal static class StreamLoader
{
    public const string StreamsFolder = "streams";

    private static readonly string[] StreamKeys =
        ["name", "description", "dataset", "domain", "owner", "columns", "event_time", "keys", "window", "aggregates", "allowed_lateness",
         "idle_timeout", "late", "bad_events", "max_open_windows", "max_keys", "subscriber_buffer", "retain_versions",
         "late_dataset", "log_segment_size", "mqtt", "alerts"];
    private static readonly string[] MqttKeys = ["topic", "broker_env", "client_id", "principal"];
    private static readonly string[] AlertKeys = ["name", "when", "silent_for"];
    private static readonly string[] WindowKeys = ["type", "size", "slide", "gap"];
    private static readonly string[] AggregateKeys = ["name", "function", "column", "percentile"];

    public static IReadOnlyList<StreamDefinition> Load(string root, List<DatasetDefinition> datasets, DiagnosticBag diagnostics)
    {
        var folder = Path.Combine(root, StreamsFolder);
        if (!Directory.Exists(folder)) return [];
        var result = new List<StreamDefinition>();
        var files = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var display = Path.GetRelativePath(root, path).Replace('\\', '/');
            var node = ProjectLoader.ReadYaml(path, display, diagnostics, "write a stream: name, columns, event_time, window, aggregates");
            if (node is null) continue;
            var map = new YamlMap(node, display, diagnostics, "stream", StreamKeys);
            if (ReadStream(map, display, diagnostics) is not { } stream) continue;
            if (result.FirstOrDefault(s => string.Equals(s.Name, stream.Name, StringComparison.OrdinalIgnoreCase)) is { } first)
            {
                diagnostics.Add(stream.Location, $"stream '{stream.Name}' is already defined at {first.Location}", "stream names must be unique across the project; rename one");
                continue;
            }
            if (datasets.FirstOrDefault(d => string.Equals(d.Name, stream.Dataset, StringComparison.OrdinalIgnoreCase)) is { } taken)
            {
                diagnostics.Add(map.Node("dataset") is { } at ? map.At(at) : stream.Location,
                    $"stream '{stream.Name}' writes its windows to dataset '{stream.Dataset}', which is already defined at {taken.Location}",
                    "name another dataset with 'dataset: …' (the stream defines its windows' dataset itself)");
                continue;
            }
            if (stream.LateDataset is { } lateName)
            {
                var lateTaken = datasets.FirstOrDefault(d => string.Equals(d.Name, lateName, StringComparison.OrdinalIgnoreCase));
                if (lateTaken is not null || string.Equals(lateName, stream.Dataset, StringComparison.OrdinalIgnoreCase))
                {
                    diagnostics.Add(map.Node("late_dataset") is { } at ? map.At(at) : stream.Location,
                        $"stream '{stream.Name}' writes its late events to dataset '{lateName}', which is already defined" + (lateTaken is null ? " (the windows' dataset)" : $" at {lateTaken.Location}"),
                        "name another dataset with 'late_dataset: …'");
                    continue;
                }
            }
            result.Add(stream);
            datasets.Add(WindowsDataset(stream, map));
            if (stream.LateDataset is not null) datasets.Add(LateEventsDataset(stream, map));
        }
        return result;
    }

    /// <summary>The table dataset a stream's closed windows are appended to, published by the stream only.</summary>
    private static DatasetDefinition WindowsDataset(StreamDefinition stream, YamlMap map)
    {
        var columns = new List<ColumnDefinition>();
        foreach (var key in stream.Keys) columns.Add(stream.FindColumn(key)!);
        columns.Add(new ColumnDefinition { Name = StreamDefinition.WindowStartColumn, Type = LadleType.Timestamp, Description = "the window's first instant (event time, inclusive)", Location = stream.Location });
        columns.Add(new ColumnDefinition { Name = StreamDefinition.WindowEndColumn, Type = LadleType.Timestamp, Description = "the window's end (event time, exclusive)", Location = stream.Location });
        foreach (var aggregate in stream.Aggregates)
            columns.Add(new ColumnDefinition
            {
                Name = aggregate.Name,
                Type = aggregate.Type,
                Description = aggregate.Column is null ? aggregate.Function.ToString().ToLowerInvariant() : $"{aggregate.Function.ToString().ToLowerInvariant()} of {aggregate.Column}",
                Location = aggregate.Location,
            });
        columns.Add(new ColumnDefinition { Name = StreamDefinition.SequenceColumn, Type = LadleType.Integer, Description = "the window's emission number (its live event id)", Location = stream.Location });
        return new DatasetDefinition
        {
            Name = stream.Dataset,
            Domain = map.String("domain"),
            Owner = map.String("owner"),
            Description = stream.Description ?? $"closed windows of stream '{stream.Name}'",
            Sql = $"SELECT * FROM {StreamTable(stream.Name)}",
            Columns = columns,
            PrimaryKey = [StreamDefinition.SequenceColumn],
            Materialization = Materialization.Table,
            WatermarkColumn = StreamDefinition.WindowEndColumn,
            RetainVersions = map.Int("retain_versions", 1, 1000),
            Stream = stream.Name,
            File = stream.File,
            Location = stream.Location,
        };
    }

    /// <summary>The table dataset a stream's late events are appended to (late: side_dataset): the event's columns and late_seq.</summary>
    private static DatasetDefinition LateEventsDataset(StreamDefinition stream, YamlMap map)
    {
        var columns = stream.Columns.ToList();
        columns.Add(new ColumnDefinition { Name = StreamDefinition.LateSequenceColumn, Type = LadleType.Integer, Description = "the late event's number, in the order it arrived", Location = stream.Location });
        return new DatasetDefinition
        {
            Name = stream.LateDataset!,
            Domain = map.String("domain"),
            Owner = map.String("owner"),
            Description = $"late events of stream '{stream.Name}' (older than its watermark when they arrived)",
            Sql = $"SELECT * FROM {StreamTable(StreamDefinition.LateTableName(stream.Name))}",
            Columns = columns,
            PrimaryKey = [StreamDefinition.LateSequenceColumn],
            Materialization = Materialization.Table,
            WatermarkColumn = stream.EventTime,
            RetainVersions = map.Int("retain_versions", 1, 1000),
            Stream = stream.Name,
            File = stream.File,
            Location = stream.Location,
        };
    }

    /// <summary>The store table that holds every closed window of a stream, the source of its dataset's versions.</summary>
    public static string StreamTable(string stream) => $"ladle_streams.\"{stream}\"";

    private static StreamDefinition? ReadStream(YamlMap map, string file, DiagnosticBag diagnostics)
    {
        var name = map.String("name", required: true);
        if (name is not null && !ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"stream name '{name}' is not a valid name", "use letters, digits and underscores, starting with a letter (it appears in URLs)");
        var dataset = map.String("dataset") ?? (name is null ? null : name + "_windows");
        if (map.Node("dataset") is { } datasetNode && dataset is not null && !ProjectLoader.IsIdentifier(dataset))
            diagnostics.Add(map.At(datasetNode), $"dataset name '{dataset}' is not a valid name", "use letters, digits and underscores");

        var columns = ProjectLoader.ReadColumns(map, name ?? "stream", file, diagnostics);
        if (columns.Count == 0 && map.Node("columns") is null)
            diagnostics.Add(map.Location, $"stream '{name}' has no 'columns'", "declare the events' columns: '- { name: reading_at, type: timestamp }'");
        var reserved = new[] { StreamDefinition.WindowStartColumn, StreamDefinition.WindowEndColumn, StreamDefinition.SequenceColumn };
        ColumnDefinition? Column(string text, SourceLocation at, string role)
        {
            var column = columns.FirstOrDefault(c => string.Equals(c.Name, text, StringComparison.OrdinalIgnoreCase));
            if (column is null && columns.Count > 0)
                diagnostics.Add(at, $"the {role} '{text}' is not a declared column of stream '{name}'", Suggest.Hint(text, columns.Select(c => c.Name).ToList()));
            return column;
        }

        var eventTime = map.String("event_time", required: true);
        if (eventTime is not null && Column(eventTime, map.At(map.Node("event_time")!), "event_time") is { } timeColumn && timeColumn.Type != LadleType.Timestamp)
            diagnostics.Add(map.At(map.Node("event_time")!), $"event_time '{eventTime}' is a {timeColumn.Type.Name()} column, not a timestamp", "declare it 'type: timestamp'");

        var keys = new List<string>();
        foreach (var (key, at) in map.StringList("keys"))
        {
            if (Column(key, at, "key") is not { } column) continue;
            if (reserved.Contains(column.Name, StringComparer.OrdinalIgnoreCase))
                diagnostics.Add(at, $"key '{key}' has the name of a column every window row carries", "rename the event column");
            else if (string.Equals(column.Name, eventTime, StringComparison.OrdinalIgnoreCase))
                diagnostics.Add(at, $"key '{key}' is the event_time column", "windows are already per time range; key by the columns that identify a series (a household, a device)");
            else keys.Add(column.Name);
        }

        var window = map.Map("window") is { } windowNode ? ReadWindow(new YamlMap(windowNode, file, diagnostics, $"the window of stream '{name}'", WindowKeys), diagnostics) : null;
        if (map.Node("window") is null) diagnostics.Add(map.Location, $"stream '{name}' has no 'window'", "add 'window: { type: tumbling, size: 1h }'");

        var aggregates = new List<AggregateDefinition>();
        if (map.Sequence("aggregates") is { } aggregateNodes)
        {
            foreach (var item in aggregateNodes)
            {
                if (item is not YamlMappingNode aggregateNode)
                {
                    diagnostics.Add(YamlMap.At(file, item), "each aggregate must be a mapping with 'name', 'function' and 'column'", "e.g. '- { name: kwh, function: sum, column: kwh }'");
                    continue;
                }
                var aggregate = ReadAggregate(new YamlMap(aggregateNode, file, diagnostics, $"an aggregate of stream '{name}'", AggregateKeys), columns, diagnostics);
                if (aggregate is null) continue;
                if (keys.Contains(aggregate.Name, StringComparer.OrdinalIgnoreCase) || reserved.Contains(aggregate.Name, StringComparer.OrdinalIgnoreCase)
                    || aggregates.Any(a => string.Equals(a.Name, aggregate.Name, StringComparison.OrdinalIgnoreCase)))
                    diagnostics.Add(aggregate.Location, $"aggregate '{aggregate.Name}' names a column the window rows already have", "give each aggregate its own name");
                else aggregates.Add(aggregate);
            }
        }
        if (aggregates.Count == 0 && map.Node("aggregates") is null)
            diagnostics.Add(map.Location, $"stream '{name}' has no 'aggregates'", "add e.g. 'aggregates: [ { name: events, function: count } ]'");

        TimeSpan Duration(string key, TimeSpan fallback, bool zeroAllowed)
        {
            if (map.String(key) is not { } text) return fallback;
            if (zeroAllowed && text.Trim() is "0" or "0s") return TimeSpan.Zero;
            if (Durations.TryParse(text, out var value)) return value;
            diagnostics.Add(map.At(map.Node(key)!), $"'{key}' is '{text}', not a duration", "write e.g. 30s, 5m or 1h");
            return fallback;
        }
        var lateness = Duration("allowed_lateness", TimeSpan.Zero, zeroAllowed: true);
        var idle = Duration("idle_timeout", TimeSpan.FromSeconds(30), zeroAllowed: false);

        var latePolicy = LatePolicy.Drop;
        if (map.String("late") is { } late && YamlMap.ParseEnum(late.Replace("_", "", StringComparison.Ordinal), out latePolicy) is not null)
            diagnostics.Add(map.At(map.Node("late")!), $"late policy '{late}' is not supported", "write 'late: drop' (dropped and counted) or 'late: side_dataset' (counted and appended to late_dataset)");
        string? lateDataset = null;
        if (latePolicy == LatePolicy.SideDataset)
        {
            lateDataset = map.String("late_dataset") ?? (name is null ? null : name + "_late");
            if (map.Node("late_dataset") is { } lateNode && lateDataset is not null && !ProjectLoader.IsIdentifier(lateDataset))
                diagnostics.Add(map.At(lateNode), $"dataset name '{lateDataset}' is not a valid name", "use letters, digits and underscores");
        }
        else if (map.Node("late_dataset") is not null)
            diagnostics.Add(map.KeyLocation("late_dataset"), "'late_dataset' applies only to 'late: side_dataset'", "add 'late: side_dataset', or remove it");

        MqttSource? mqtt = null;
        if (map.Node("mqtt") is not null)
        {
            if (map.Map("mqtt") is { } mqttNode) mqtt = ReadMqtt(new YamlMap(mqttNode, file, diagnostics, $"the mqtt source of stream '{name}'", MqttKeys), diagnostics);
            else diagnostics.Add(map.KeyLocation("mqtt"), "'mqtt' must be a mapping", "write 'mqtt: { topic: meters/+/readings }' (the broker comes from LADLE_MQTT_URL)");
        }

        var alerts = new List<StreamAlertRule>();
        if (map.Sequence("alerts") is { } alertNodes)
        {
            foreach (var item in alertNodes)
            {
                if (item is not YamlMappingNode alertNode)
                {
                    diagnostics.Add(YamlMap.At(file, item), "each alert must be a mapping with 'name' and 'when' or 'silent_for'", "e.g. '- { name: high_use, when: kwh > 3.5 }'");
                    continue;
                }
                var rule = ReadAlert(new YamlMap(alertNode, file, diagnostics, $"an alert of stream '{name}'", AlertKeys), aggregates, keys, diagnostics);
                if (rule is null) continue;
                if (alerts.Any(a => string.Equals(a.Name, rule.Name, StringComparison.OrdinalIgnoreCase)))
                    diagnostics.Add(rule.Location, $"alert '{rule.Name}' is defined twice in stream '{name}'", "give each alert its own name");
                else alerts.Add(rule);
            }
        }
        else if (map.Node("alerts") is not null)
            diagnostics.Add(map.KeyLocation("alerts"), "'alerts' must be a list", "write '- { name: high_use, when: kwh > 3.5 }'");

        var badEvents = BadEventsPolicy.AcceptValid;
        if (map.String("bad_events") is { } badText && YamlMap.ParseEnum(badText.Replace("_", "", StringComparison.Ordinal), out badEvents) is not null)
            diagnostics.Add(map.At(map.Node("bad_events")!), $"unknown bad_events '{badText}'", "expected accept_valid (good events of a batch are kept) or refuse_batch");

        if (name is null || dataset is null || eventTime is null || window is null || columns.Count == 0) return null;
        return new StreamDefinition
        {
            Name = name,
            Description = map.String("description"),
            Dataset = dataset,
            Columns = columns,
            EventTime = columns.FirstOrDefault(c => string.Equals(c.Name, eventTime, StringComparison.OrdinalIgnoreCase))?.Name ?? eventTime,
            Keys = keys,
            Window = window,
            Aggregates = aggregates,
            AllowedLateness = lateness,
            IdleTimeout = idle,
            BadEvents = badEvents,
            MaxOpenWindows = map.Int("max_open_windows", 1, 10_000_000) ?? 100_000,
            MaxKeys = map.Int("max_keys", 1, 10_000_000) ?? 100_000,
            SubscriberBuffer = map.Int("subscriber_buffer", 1, 1_000_000) ?? 1_000,
            LogSegmentBytes = SegmentSize(map, diagnostics),
            Late = latePolicy,
            LateDataset = lateDataset,
            Mqtt = mqtt,
            Alerts = alerts,
            File = file,
            Location = map.Location,
        };
    }

    /// <summary>log_segment_size: a whole number of KB, MB or GB (64KB to 4GB); 64MB when absent.</summary>
    private static long SegmentSize(YamlMap map, DiagnosticBag diagnostics)
    {
        const long fallback = 64L * 1024 * 1024;
        if (map.String("log_segment_size") is not { } text) return fallback;
        var trimmed = text.Trim();
        var unit = trimmed.Length > 2 ? trimmed[^2..].ToUpperInvariant() : "";
        long scale = unit switch { "KB" => 1024, "MB" => 1024 * 1024, "GB" => 1024L * 1024 * 1024, _ => 0 };
        if (scale > 0 && long.TryParse(trimmed[..^2].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count <= 4L * 1024 * 1024 * 1024 / scale && count * scale >= 64 * 1024)
            return count * scale;
        diagnostics.Add(map.At(map.Node("log_segment_size")!), $"log_segment_size '{text}' is not a size from 64KB to 4GB",
            "write a whole number with KB, MB or GB, such as 64MB (the events a segment of the stream's log holds before the next begins)");
        return fallback;
    }

    private static MqttSource? ReadMqtt(YamlMap map, DiagnosticBag diagnostics)
    {
        var topic = map.String("topic", required: true);
        if (topic is not null && (topic.Length == 0 || topic.Contains('\0', StringComparison.Ordinal)))
            diagnostics.Add(map.At(map.Node("topic")!), "the mqtt topic is empty", "write a topic filter, e.g. meters/+/readings");
        var env = map.String("broker_env") ?? MqttSource.DefaultBrokerEnv;
        if (map.Node("broker_env") is { } envNode && !ProjectLoader.IsIdentifier(env))
            diagnostics.Add(map.At(envNode), $"broker_env '{env}' is not an environment variable name", "name the variable that holds mqtt://user:password@host:port (the address and credentials never go in YAML)");
        var clientId = map.String("client_id");
        var principal = map.String("principal") ?? MqttSource.DefaultPrincipal;
        if (map.Node("principal") is { } principalNode && !ProjectLoader.IsIdentifier(principal))
            diagnostics.Add(map.At(principalNode), $"principal '{principal}' is not a name", "name who the audit records this topic's batches under, e.g. principal: meter_gateway");
        return topic is null ? null : new MqttSource(topic, env, clientId, map.Location) { Principal = principal };
    }

    private static StreamAlertRule? ReadAlert(YamlMap map, IReadOnlyList<AggregateDefinition> aggregates, IReadOnlyList<string> keys, DiagnosticBag diagnostics)
    {
        var name = map.String("name", required: true);
        var when = map.String("when");
        var silent = map.String("silent_for");
        if (name is null) return null;
        if (!ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"alert name '{name}' is not a valid name", "use letters, digits and underscores");
        if ((when is null) == (silent is null))
        {
            diagnostics.Add(map.Location, $"alert '{name}' needs exactly one of 'when' (a threshold on a window's aggregate) and 'silent_for' (a key without events)",
                "write 'when: kwh > 3.5' or 'silent_for: 15m'");
            return null;
        }
        if (silent is not null)
        {
            if (!Durations.TryParse(silent, out var span) || span <= TimeSpan.Zero)
            {
                diagnostics.Add(map.At(map.Node("silent_for")!), $"'silent_for' is '{silent}', not a duration", "write e.g. 15m");
                return null;
            }
            if (keys.Count == 0)
                diagnostics.Add(map.KeyLocation("silent_for"), $"alert '{name}' watches keys falling silent, but the stream has no 'keys'", "key the stream (keys: [device_id]) or remove the alert");
            return new StreamAlertRule(name, null, AlertComparison.Greater, 0, span, $"silent for {silent}", map.Location);
        }
        var parts = when!.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        AlertComparison? comparison = parts.Length == 3 ? parts[1] switch
        {
            ">" => AlertComparison.Greater,
            ">=" => AlertComparison.GreaterOrEqual,
            "<" => AlertComparison.Less,
            "<=" => AlertComparison.LessOrEqual,
            _ => null,
        } : null;
        if (comparison is null || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold) || !double.IsFinite(threshold))
        {
            diagnostics.Add(map.At(map.Node("when")!), $"alert '{name}' has 'when: {when}', not '<aggregate> <comparison> <number>'", "write e.g. 'when: kwh > 3.5' (comparisons: >, >=, <, <=)");
            return null;
        }
        var aggregate = aggregates.FirstOrDefault(a => string.Equals(a.Name, parts[0], StringComparison.OrdinalIgnoreCase));
        if (aggregate is null)
        {
            diagnostics.Add(map.At(map.Node("when")!), $"alert '{name}' compares '{parts[0]}', which is not an aggregate of the stream", Suggest.Hint(parts[0], aggregates.Select(a => a.Name).ToList()));
            return null;
        }
        if (aggregate.Type is not (LadleType.Integer or LadleType.Double))
        {
            diagnostics.Add(map.At(map.Node("when")!), $"alert '{name}' compares '{aggregate.Name}', a {aggregate.Type.Name()} aggregate, with a number", "compare a count, sum, avg, percentile or a number's min/max");
            return null;
        }
        return new StreamAlertRule(name, aggregate.Name, comparison.Value, threshold, null, when.Trim(), map.Location);
    }

    private static WindowDefinition? ReadWindow(YamlMap map, DiagnosticBag diagnostics)
    {
        var typeText = map.String("type", required: true);
        if (typeText is null) return null;
        if (YamlMap.ParseEnum<WindowKind>(typeText, out var kind) is { } hint)
        {
            diagnostics.Add(map.At(map.Node("type")!), $"unknown window type '{typeText}'", hint);
            return null;
        }
        TimeSpan Duration(string key, bool required)
        {
            var text = map.String(key, required);
            if (text is null) return TimeSpan.Zero;
            if (Durations.TryParse(text, out var value) && value >= TimeSpan.FromMilliseconds(1)) return value;
            diagnostics.Add(map.At(map.Node(key)!), $"'{key}' is '{text}', not a duration", "write e.g. 1s, 5m or 1h");
            return TimeSpan.Zero;
        }
        void NotFor(string key)
        {
            if (map.Node(key) is not null)
                diagnostics.Add(map.KeyLocation(key), $"'{key}' does not apply to a {typeText} window", "remove it");
        }
        TimeSpan size = TimeSpan.Zero, slide = TimeSpan.Zero, gap = TimeSpan.Zero;
        switch (kind)
        {
            case WindowKind.Tumbling:
                size = slide = Duration("size", true);
                NotFor("slide");
                NotFor("gap");
                break;
            case WindowKind.Hopping:
                size = Duration("size", true);
                slide = Duration("slide", true);
                NotFor("gap");
                if (slide > size) diagnostics.Add(map.KeyLocation("slide"), "a hopping window's slide is longer than its size, so some events would fall in no window", "make slide at most size");
                else if (slide > TimeSpan.Zero && size.Ticks % slide.Ticks != 0)
                    diagnostics.Add(map.KeyLocation("slide"), "a hopping window's size must be a whole number of slides", "e.g. size: 1h, slide: 15m");
                else if (slide > TimeSpan.Zero && size.Ticks / slide.Ticks > 100)
                    diagnostics.Add(map.KeyLocation("slide"), "a hopping window's size spans more than 100 slides; each event would update that many windows", "use a longer slide");
                break;
            case WindowKind.Session:
                gap = Duration("gap", true);
                NotFor("size");
                NotFor("slide");
                break;
        }
        return new WindowDefinition(kind, size, slide, gap);
    }

    private static AggregateDefinition? ReadAggregate(YamlMap map, IReadOnlyList<ColumnDefinition> columns, DiagnosticBag diagnostics)
    {
        var name = map.String("name", required: true);
        var functionText = map.String("function", required: true);
        if (name is null || functionText is null) return null;
        if (!ProjectLoader.IsIdentifier(name))
            diagnostics.Add(map.At(map.Node("name")!), $"aggregate name '{name}' is not a valid name", "use letters, digits and underscores");
        var percentile = 0.0;
        AggregateFunction function;
        var lower = functionText.Trim().ToLowerInvariant();
        if (lower.Length > 1 && lower[0] == 'p' && int.TryParse(lower.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 100)
        {
            // p50, p95, p99: shorthand for a percentile.
            function = AggregateFunction.Percentile;
            percentile = p / 100.0;
        }
        else if (YamlMap.ParseEnum(functionText, out function) is { } hint)
        {
            diagnostics.Add(map.At(map.Node("function")!), $"unknown aggregate function '{functionText}'", hint + ", or p50/p95/p99");
            return null;
        }
        if (function == AggregateFunction.Percentile && map.String("percentile") is { } pText)
        {
            if (!double.TryParse(pText, NumberStyles.Float, CultureInfo.InvariantCulture, out percentile) || percentile is <= 0 or >= 1)
                diagnostics.Add(map.At(map.Node("percentile")!), $"percentile '{pText}' is not a fraction between 0 and 1", "write e.g. 0.95");
        }
        else if (function == AggregateFunction.Percentile && percentile == 0)
            diagnostics.Add(map.Location, $"aggregate '{name}' is a percentile without 'percentile'", "add 'percentile: 0.95' or write 'function: p95'");
        else if (function != AggregateFunction.Percentile && map.Node("percentile") is not null)
            diagnostics.Add(map.KeyLocation("percentile"), "'percentile' applies only to function percentile", "remove it");

        var columnName = map.String("column");
        ColumnDefinition? column = null;
        if (columnName is not null)
        {
            column = columns.FirstOrDefault(c => string.Equals(c.Name, columnName, StringComparison.OrdinalIgnoreCase));
            if (column is null)
            {
                diagnostics.Add(map.At(map.Node("column")!), $"aggregate '{name}' reads '{columnName}', which is not a declared column of the stream", Suggest.Hint(columnName, columns.Select(c => c.Name).ToList()));
                return null;
            }
        }
        else if (function != AggregateFunction.Count)
        {
            diagnostics.Add(map.Location, $"aggregate '{name}' ({functionText}) has no 'column'", "add 'column: <an event column>'");
            return null;
        }
        var numeric = column?.Type is LadleType.Integer or LadleType.Double or LadleType.Decimal;
        if (function is AggregateFunction.Sum or AggregateFunction.Avg or AggregateFunction.Percentile && !numeric)
        {
            diagnostics.Add(map.At(map.Node("column")!), $"aggregate '{name}' takes the {function.ToString().ToLowerInvariant()} of '{column!.Name}', a {column.Type.Name()} column", "use a number column (integer, double, decimal)");
            return null;
        }
        if (function is AggregateFunction.Min or AggregateFunction.Max && column!.Type is not (LadleType.Integer or LadleType.Double or LadleType.Decimal or LadleType.Timestamp))
        {
            diagnostics.Add(map.At(map.Node("column")!), $"aggregate '{name}' takes the {function.ToString().ToLowerInvariant()} of '{column.Name}', a {column.Type.Name()} column", "use a number or timestamp column");
            return null;
        }
        var type = function switch
        {
            AggregateFunction.Count => LadleType.Integer,
            AggregateFunction.Sum => column!.Type == LadleType.Integer ? LadleType.Integer : LadleType.Double,
            AggregateFunction.Min or AggregateFunction.Max => column!.Type == LadleType.Decimal ? LadleType.Double : column.Type,
            _ => LadleType.Double,
        };
        return new AggregateDefinition(name, function, column?.Name, percentile, type, map.Location);
    }
}
