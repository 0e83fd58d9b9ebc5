using Ladle.Core.Model;
using Ladle.Engine.Sources;
using Ladle.Engine.State;

namespace Ladle.Engine.Checks;

/// <summary>
/// The built-in bad_rows check of a dataset with <c>on_bad_rows: reject</c> or <c>quarantine</c>: it counts the source
/// rows the build left out, and fails past the policy's threshold with its severity (quarantine: error, none tolerated).
/// </summary>
public static class BadRowsCheck
{
    /// <summary>The check's name, as /checks lists it.</summary>
    public const string Name = "bad_rows";

    public static CheckResult Result(DatasetDefinition dataset, long version, long publishedRows, RejectedRows rejected)
    {
        var policy = dataset.BadRows;
        var total = publishedRows + rejected.Rows;
        var failed = policy.Threshold.IsExceeded(rejected.Rows, total);
        var share = total > 0 && rejected.Rows > 0 ? $" ({100.0 * rejected.Rows / total:0.##}%)" : "";
        var allowed = policy.Threshold.Value > 0 ? $"; allowed {policy.Threshold}" : "";
        var first = rejected.First is { } f ? $"; first: {f}" : "";
        var kept = rejected.Rows > 0 ? $"; kept in {rejected.Table}" : "";
        return new CheckResult
        {
            Dataset = dataset.Name,
            Version = version,
            Check = Name,
            Kind = CheckKind.BadRows,
            Severity = policy.Severity,
            Outcome = failed ? CheckOutcome.Failed : CheckOutcome.Passed,
            FailingRows = rejected.Rows,
            TotalRows = total,
            Observed = rejected.Rows,
            Message = $"{rejected.Rows:N0} of {total:N0} source rows do not fit the declared columns and were left out{share}{allowed}{first}{kept}",
            Sample = rejected.Sample,
            RanAt = DateTimeOffset.UtcNow,
        };
    }
}
