using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using DuckDB.NET.Data;
using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;
using Ladle.Engine.Internal;
using Ladle.Engine.Results;
using Ladle.Engine.Sources;
using Ladle.Engine.Sql;
using Ladle.Engine.State;
using Ladle.Engine.Store;
using Ladle.Engine.Versions;

namespace Ladle.Engine.Checks;

/// <summary>What to check: a relation in a connector's engine (a staging version in the store, or a live source).</summary>
public sealed record CheckTarget(SourceConnector Connector, string Relation, long? Version, DateTimeOffset? PublishedAt);

/// <summary>Runs a dataset's checks against one target and judges each against its threshold or history.</summary>
public sealed class CheckRunner(ProjectDefinition project, SourceConnectors connectors, VersionCatalog catalog, IStateStore state)
{
    /// <summary>
    /// Runs a dataset's checks on what it serves now, publishing nothing: the served version of a table dataset
    /// (leased while they run), or the source of a live one. The results are recorded, and the served version's
    /// status follows them (a failing warn check makes it warn). Throws 503 when nothing was ever published.
    /// </summary>
    public async Task<IReadOnlyList<CheckResult>> RunOnServedAsync(DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        IReadOnlyList<CheckResult> results;
        if (dataset.Materialization == Materialization.Live)
        {
            var connector = connectors.For(dataset);
            results = await RunAsync(dataset, new CheckTarget(connector, connector.Relation(dataset), null, null), cancellationToken);
        }
        else
        {
            using var lease = catalog.Acquire(dataset.Name, null);
            var served = lease.Version;
            results = await RunAsync(dataset, new CheckTarget(connectors.Store, DuckDbStore.VersionTable(dataset.Name, served.Version), served.Version, served.PublishedAt), cancellationToken);
            catalog.Rechecked(dataset.Name, served.Version, results);
        }
        await state.RecordCheckResultsAsync(results, cancellationToken);
        return results;
    }

    public async Task<IReadOnlyList<CheckResult>> RunAsync(DatasetDefinition dataset, CheckTarget target, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>(dataset.Checks.Count);
        if (dataset.Checks.Count == 0) return results;
        var described = await target.Connector.DescribeRelationAsync(target.Relation, cancellationToken);
        var schema = new DatasetSchema(described.Columns.Select(c => new SchemaColumn(c.Name, c.Type)).ToList());
        foreach (var check in dataset.Checks)
        {
            var clock = Stopwatch.StartNew();
            CheckResult result;
            try
            {
                result = await RunOneAsync(dataset, check, target, schema, cancellationToken);
            }
            catch (Exception e) when (e is LadleException or DbException or InvalidCastException or FormatException)
            {
                var reason = EngineErrors.Describe(e is SourceUnavailableException { InnerException: { } inner } ? inner : e);
                result = Result(dataset, check, target, CheckOutcome.Error, $"the check could not run: {reason}");
            }
            results.Add(result with { Duration = clock.Elapsed });
        }
        return results;
    }

    private async Task<CheckResult> RunOneAsync(DatasetDefinition dataset, CheckDefinition check, CheckTarget target, DatasetSchema schema, CancellationToken ct)
    {
        var connector = target.Connector;
        var dialect = connector.Dialect;
        switch (check.Kind)
        {
            case CheckKind.Schema:
                return SchemaResult(dataset, check, target, schema);

            case CheckKind.RowCount:
            {
                var (rows, _) = await CountAndMaxAsync(connector, CheckCompiler.CountAndMax(dialect, target.Relation, null), ct);
                var tooFew = check.MinRows is { } min && rows < min;
                var tooMany = check.MaxRows is { } max && rows > max;
                var bounds = $"{(check.MinRows is { } a ? $"at least {a:N0}" : "")}{(check.MinRows is not null && check.MaxRows is not null ? " and " : "")}{(check.MaxRows is { } b ? $"at most {b:N0}" : "")}";
                return Result(dataset, check, target, tooFew || tooMany ? CheckOutcome.Failed : CheckOutcome.Passed,
                    $"{rows:N0} rows; expected {bounds}", failing: tooFew || tooMany ? 1 : 0, total: rows, observed: rows);
            }

            case CheckKind.Freshness when check.FeatureView is not null:
                return await FeatureFreshnessResultAsync(dataset, check, target, ct);

            case CheckKind.Freshness:
            {
                var column = check.Columns.FirstOrDefault();
                var (rows, newest) = await CountAndMaxAsync(connector, CheckCompiler.CountAndMax(dialect, target.Relation, column), ct);
                DateTimeOffset? reference = column is null ? target.PublishedAt ?? DateTimeOffset.UtcNow : newest;
                if (reference is null)
                    return Result(dataset, check, target, CheckOutcome.Failed, $"no value in '{column}' to measure freshness by ({rows:N0} rows)", failing: 1, total: rows);
                var age = DateTimeOffset.UtcNow - reference.Value;
                var stale = age > check.MaxAge!.Value;
                var what = column is null ? "published" : $"newest '{column}' is";
                return Result(dataset, check, target, stale ? CheckOutcome.Failed : CheckOutcome.Passed,
                    $"{what} {Durations.Format(age.Duration())} old (at {reference.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z); allowed {Durations.Format(check.MaxAge.Value)}",
                    failing: stale ? 1 : 0, total: rows, observed: age.TotalSeconds);
            }

            case CheckKind.Anomaly:
                return await AnomalyResultAsync(dataset, check, target, schema, ct);

            default:
            {
                var compiled = CheckCompiler.Compile(check, dialect, target.Relation, schema, name => ResolveDataset(check, name));
                var (failing, total) = await FailingAndTotalAsync(connector, compiled.Measure, ct);
                var failed = check.Threshold.IsExceeded(failing, total);
                string? sample = failing > 0 && compiled.Sample is not null ? await SampleAsync(connector, compiled.Sample, ct) : null;
                var share = total > 0 ? $" ({100.0 * failing / total:0.##}%)" : "";
                var allowed = check.Threshold.Value > 0 ? $"; allowed {check.Threshold}" : "";
                var message = check.Kind == CheckKind.Unique
                    ? $"{failing:N0} of {total:N0} rows share a value of ({string.Join(", ", check.Columns)}) with another row{share}{allowed}"
                    : $"{failing:N0} of {total:N0} rows fail{share}{allowed}";
                return Result(dataset, check, target, failed ? CheckOutcome.Failed : CheckOutcome.Passed, message, failing, total, failing, sample);
            }
        }
    }

    private static CheckResult SchemaResult(DatasetDefinition dataset, CheckDefinition check, CheckTarget target, DatasetSchema actual)
    {
        var problems = new List<string>();
        foreach (var declared in dataset.Columns)
        {
            var found = actual.Find(declared.Name);
            if (found is null) problems.Add($"column '{declared.Name}' is missing");
            else if (found.Type != declared.Type) problems.Add($"column '{declared.Name}' is {found.Type.Name()}, declared {declared.Type.Name()}");
        }
        if (!check.AllowExtraColumns)
            problems.AddRange(actual.Columns.Where(c => dataset.FindColumn(c.Name) is null).Select(c => $"column '{c.Name}' is not declared"));
        return Result(dataset, check, target, problems.Count > 0 ? CheckOutcome.Failed : CheckOutcome.Passed,
            problems.Count > 0 ? string.Join("; ", problems) : $"all {dataset.Columns.Count} declared columns present with their types",
            failing: problems.Count, total: dataset.Columns.Count);
    }

    private async Task<CheckResult> AnomalyResultAsync(DatasetDefinition dataset, CheckDefinition check, CheckTarget target, DatasetSchema schema, CancellationToken ct)
    {
        var statement = CheckCompiler.AnomalyMetricSql(check, target.Connector.Dialect, target.Relation, schema);
        double? value = null;
        await using (var result = await target.Connector.QueryAsync(statement, new ResultSchema([new ResultColumn("v", LadleType.Double)]), ct))
        {
            if (await result.ReadAsync(ct) is { } batch && !batch.Columns[0].Nulls[0]) value = batch.Columns[0].Doubles[0];
        }
        var metric = ProjectLoader.Snake(check.Metric) + (check.Columns.Count > 0 ? $" of '{check.Columns[0]}'" : "");
        if (value is null)
            return Result(dataset, check, target, CheckOutcome.Skipped, $"{metric} has no value (no rows)");
        var history = await state.CheckHistoryAsync(dataset.Name, check.Name, target.Version, check.History, ct);
        if (history.Count < check.MinHistory)
            return Result(dataset, check, target, CheckOutcome.Skipped,
                $"{metric} is {CheckCompiler.Describe(value.Value)}; {history.Count} earlier publication(s), {check.MinHistory} needed to judge", observed: value);
        var mean = history.Average();
        var deviation = Math.Sqrt(history.Sum(h => (h - mean) * (h - mean)) / history.Count);
        var reasons = new List<string>();
        if (check.MaxDeviations is { } k && deviation > 0 && Math.Abs(value.Value - mean) > k * deviation)
            reasons.Add($"{Math.Abs(value.Value - mean) / deviation:0.#} standard deviations from the mean (allowed {CheckCompiler.Describe(k)})");
        if (check.MaxDeviations is not null && deviation == 0 && value.Value != mean && check.MaxChange is null)
            reasons.Add("history never varied and this value differs");
        if (check.MaxChange is { } change && mean != 0 && Math.Abs(value.Value - mean) / Math.Abs(mean) > change)
            reasons.Add($"{100 * Math.Abs(value.Value - mean) / Math.Abs(mean):0.#}% from the mean (allowed {100 * change:0.#}%)");
        var summary = $"{metric} is {CheckCompiler.Describe(value.Value)}; the last {history.Count} publications averaged {CheckCompiler.Describe(mean)} (σ {CheckCompiler.Describe(deviation)})";
        return Result(dataset, check, target, reasons.Count > 0 ? CheckOutcome.Failed : CheckOutcome.Passed,
            reasons.Count > 0 ? $"{summary}: {string.Join("; ", reasons)}" : summary, failing: reasons.Count > 0 ? 1 : 0, observed: value);
    }

    private string ResolveDataset(CheckDefinition check, string name)
    {
        var target = project.GetDataset(name);
        if (target.Materialization == Materialization.Table)
        {
            var current = catalog.Current(target.Name)
                ?? throw new DatasetUnavailableException(target.Name, $"check '{check.Name}' needs '{target.Name}', which has no published version yet");
            return DuckDbStore.VersionTable(target.Name, current.Version);
        }
        if (connectors.For(target) is FilesConnector files) return files.Relation(target);
        throw new InvalidRequestException($"check '{check.Name}' reads '{target.Name}', which lives in another database; give it 'materialization: table'");
    }

    private static async Task<(long Failing, long Total)> FailingAndTotalAsync(SourceConnector connector, SqlStatement statement, CancellationToken ct)
    {
        await using var result = await connector.QueryAsync(statement,
            new ResultSchema([new ResultColumn("failing", LadleType.Integer), new ResultColumn("total", LadleType.Integer)]), ct);
        var batch = await result.ReadAsync(ct) ?? throw new InvalidOperationException("a check measure returned no row");
        return (batch.Columns[0].Nulls[0] ? 0 : batch.Columns[0].Int64s[0], batch.Columns[1].Int64s[0]);
    }

    /// <summary>
    /// freshness of a feature view: the age of its newest event known now (event and created time not after now, as
    /// <see cref="Core.Features.PointInTime"/> defines "known"), which is what online lookups and training sets at now see.
    /// </summary>
    private async Task<CheckResult> FeatureFreshnessResultAsync(DatasetDefinition dataset, CheckDefinition check, CheckTarget target, CancellationToken ct)
    {
        var view = project.Features.FindView(check.FeatureView!)
            ?? throw new InvalidOperationException($"check '{check.Name}' names feature view '{check.FeatureView}', which the loader let through unknown");
        var now = DateTimeOffset.UtcNow;
        var rows = Core.Features.PointInTime.FeatureRows(new Core.Features.PointInTime.ViewInput(view, [], "SELECT * FROM " + target.Relation));
        var at = $"TIMESTAMP '{now.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff}'";
        var (known, newest) = await CountAndMaxAsync(target.Connector,
            new SqlStatement($"SELECT count(*), max(ladle_event) FROM ({rows}) AS f WHERE ladle_event <= {at} AND ladle_created <= {at}", []), ct);
        if (newest is null)
            return Result(dataset, check, target, CheckOutcome.Failed, $"feature view '{view.Name}' has no event known now", failing: 1, total: known);
        var age = now - newest.Value;
        var stale = age > check.MaxAge!.Value;
        return Result(dataset, check, target, stale ? CheckOutcome.Failed : CheckOutcome.Passed,
            $"newest event of feature view '{view.Name}' is {Durations.Format(age.Duration())} old (at {newest.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z); allowed {Durations.Format(check.MaxAge.Value)}",
            failing: stale ? 1 : 0, total: known, observed: age.TotalSeconds);
    }

    private static async Task<(long Rows, DateTimeOffset? Newest)> CountAndMaxAsync(SourceConnector connector, SqlStatement statement, CancellationToken ct)
    {
        await using var result = await connector.QueryAsync(statement,
            new ResultSchema([new ResultColumn("rows", LadleType.Integer), new ResultColumn("newest", LadleType.Timestamp)]), ct);
        var batch = await result.ReadAsync(ct) ?? throw new InvalidOperationException("a check measure returned no row");
        DateTimeOffset? newest = batch.Columns[1].Nulls[0] ? null : new DateTimeOffset(DateTime.SpecifyKind(batch.Columns[1].Timestamps[0], DateTimeKind.Utc));
        return (batch.Columns[0].Int64s[0], newest);
    }

    /// <summary>Failing rows as a JSON array of objects, for the owner.</summary>
    private static async Task<string> SampleAsync(SourceConnector connector, SqlStatement statement, CancellationToken ct)
    {
        await using var result = await connector.QueryAsync(statement, null, ct);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            while (await result.ReadAsync(ct) is { } batch)
            {
                for (var r = 0; r < batch.Count; r++)
                {
                    json.WriteStartObject();
                    for (var c = 0; c < batch.Columns.Length; c++)
                    {
                        json.WritePropertyName(result.Schema.Columns[c].Name);
                        JsonSerializer.Serialize(json, batch.Columns[c].GetValue(r));
                    }
                    json.WriteEndObject();
                }
            }
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static CheckResult Result(DatasetDefinition dataset, CheckDefinition check, CheckTarget target, CheckOutcome outcome, string message,
        long failing = 0, long total = 0, double? observed = null, string? sample = null) => new()
    {
        Dataset = dataset.Name,
        Version = target.Version,
        Check = check.Name,
        Kind = check.Kind,
        Severity = check.Severity,
        Outcome = outcome,
        FailingRows = failing,
        TotalRows = total,
        Observed = observed,
        Message = message,
        Sample = sample,
        RanAt = DateTimeOffset.UtcNow,
    };
}
