using System.Globalization;
using Ladle.Core.Semantic.Queries;

namespace Ladle.Engine.Tests.Semantic;

/// <summary>Runs metric queries and hand-written SQL and puts both in one comparable form.</summary>
internal static class Answers
{
    /// <summary>The rows of a metric query, normalized.</summary>
    public static async Task<List<string>> MetricAsync(LadleEngine engine, MetricQuery query, bool useRollups = true)
    {
        await using var execution = engine.Semantic.Open(engine.Semantic.Plan(query), useRollups: useRollups);
        await using var rows = await execution.ReadAsync(CancellationToken.None);
        return Normalize(await TestProject.ReadAllAsync(rows));
    }

    /// <summary>The rows of SQL run directly in the store, where every published dataset is a view by its name.</summary>
    public static async Task<List<string>> SqlAsync(LadleEngine engine, string sql)
    {
        await using var rows = await engine.QueryStoreAsync(sql, CancellationToken.None);
        return Normalize(await TestProject.ReadAllAsync(rows));
    }

    public static List<string> Normalize(IEnumerable<object?[]> rows) =>
        rows.Select(r => string.Join(" | ", r.Select(Value))).ToList();

    /// <summary>Numbers to 6 decimals (sums in another order may differ in the last bits), dates as ISO dates.</summary>
    public static string Value(object? value) => value switch
    {
        null => "null",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        string s => s,
        System.Numerics.BigInteger i => i.ToString(CultureInfo.InvariantCulture),
        double or decimal or float or long or int => Math.Round(Convert.ToDouble(value, CultureInfo.InvariantCulture), 6).ToString("0.######", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
