using Ladle.Core.Model;

namespace Ladle.Engine.State;

/// <summary>How a check ended.</summary>
public enum CheckOutcome : byte
{
    Passed,
    Failed,

    /// <summary>The check could not run (its SQL failed, its target is missing); counts as failing.</summary>
    Error,

    /// <summary>Not enough history yet (anomaly), or nothing to compare.</summary>
    Skipped,
}

/// <summary>One check's result on one version, as recorded in the state store.</summary>
public sealed record CheckResult
{
    public required string Dataset { get; init; }

    /// <summary>The version checked; null for a live dataset checked in its source.</summary>
    public long? Version { get; init; }

    public required string Check { get; init; }
    public required CheckKind Kind { get; init; }
    public required CheckSeverity Severity { get; init; }
    public required CheckOutcome Outcome { get; init; }

    /// <summary>Rows that broke the rule (or 1/0 for whole-table checks).</summary>
    public long FailingRows { get; init; }

    /// <summary>Rows checked.</summary>
    public long TotalRows { get; init; }

    /// <summary>The measured value: row count, age in seconds, anomaly metric.</summary>
    public double? Observed { get; init; }

    /// <summary>What happened, in a sentence an owner can act on.</summary>
    public required string Message { get; init; }

    /// <summary>Up to a few dozen failing rows, as a JSON array of objects.</summary>
    public string? Sample { get; init; }

    public required DateTimeOffset RanAt { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>True when this result stops publication.</summary>
    public bool Blocks => Severity == CheckSeverity.Error && Outcome is CheckOutcome.Failed or CheckOutcome.Error;

    /// <summary>True when this result makes the served data 'warn'.</summary>
    public bool Warns => Severity == CheckSeverity.Warn && Outcome is CheckOutcome.Failed or CheckOutcome.Error;
}
