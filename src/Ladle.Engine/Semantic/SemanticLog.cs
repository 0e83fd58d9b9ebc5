using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Semantic;

/// <summary>Source-generated log messages of the semantic layer; event ids 1400-1499.</summary>
internal static partial class SemanticLog
{
    [LoggerMessage(1400, LogLevel.Information, "Built rollup {Rollup} of {Dataset} version {Version}: {Rows} rows in {Milliseconds} ms")]
    public static partial void RollupBuilt(ILogger logger, string rollup, string dataset, long version, long rows, long milliseconds);

    [LoggerMessage(1401, LogLevel.Information, "Dropped rollup table {Table}, which no retained version or current definition needs")]
    public static partial void RollupDropped(ILogger logger, string table);

    [LoggerMessage(1402, LogLevel.Debug, "Metric query answered by {AnsweredBy} in {Engine}: {Key}")]
    public static partial void Answered(ILogger logger, string answeredBy, string engine, string key);

    [LoggerMessage(1403, LogLevel.Information, "Semantic layer: {Models} model(s), {Metrics} metric(s), {Rollups} rollup(s), compiled in {Milliseconds:F1} ms")]
    public static partial void Loaded(ILogger logger, int models, int metrics, int rollups, double milliseconds);

    [LoggerMessage(1404, LogLevel.Debug, "Forgot {Count} cached metric answer(s) that read {Dataset}")]
    public static partial void CacheForgot(ILogger logger, int count, string dataset);

    [LoggerMessage(1405, LogLevel.Warning, "Could not drop rollup table {Table}")]
    public static partial void RollupDropFailed(ILogger logger, Exception exception, string table);
}
