using Ladle.Core.Errors;

namespace Ladle.Core.Model;

/// <summary>The kinds of data-quality check a dataset can declare.</summary>
public enum CheckKind : byte
{
    NotNull,
    Unique,
    AcceptedValues,
    Range,
    Regex,
    RowCount,
    Freshness,
    Relationships,
    Schema,
    Sql,
    Anomaly,

    /// <summary>Built in, never declared: counts the source rows a build rejected (see <see cref="BadRowsPolicy"/>).</summary>
    BadRows,
}

/// <summary>What a failing check does: warn (publish, status warn) or error (quarantine the version).</summary>
public enum CheckSeverity : byte
{
    Warn,
    Error,
}

/// <summary>The measure an anomaly check follows across publications.</summary>
public enum AnomalyMetric : byte
{
    RowCount,
    NullRate,
    Mean,
}

/// <summary>How many failing rows a check tolerates: a count, or a fraction of the rows checked.</summary>
public readonly record struct Threshold(double Value, bool IsFraction)
{
    public static Threshold None => new(0, false);

    /// <summary>True when <paramref name="failing"/> of <paramref name="total"/> rows is more than allowed.</summary>
    public bool IsExceeded(long failing, long total) =>
        IsFraction ? total > 0 && (double)failing / total > Value : failing > Value;

    public override string ToString() => IsFraction
        ? (Value * 100).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + "%"
        : Value.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One data-quality rule of a dataset, compiled to SQL that runs where the data is.</summary>
public sealed record CheckDefinition
{
    public required string Name { get; init; }
    public required CheckKind Kind { get; init; }
    public CheckSeverity Severity { get; init; } = CheckSeverity.Error;

    /// <summary>Failing rows tolerated before the check fails (not_null, unique, accepted_values, range, regex, relationships, sql).</summary>
    public Threshold Threshold { get; init; } = Threshold.None;

    /// <summary>The column(s) checked; unique may take several.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>accepted_values: the allowed values, as text (compared with the column cast to text).</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>range: bounds as text, typed by the column when compiled.</summary>
    public string? Min { get; init; }
    public string? Max { get; init; }
    public bool Inclusive { get; init; } = true;

    /// <summary>regex: the pattern every non-null value must match.</summary>
    public string? Pattern { get; init; }

    /// <summary>row_count: bounds on the number of rows.</summary>
    public long? MinRows { get; init; }
    public long? MaxRows { get; init; }

    /// <summary>freshness: the newest value (or the publication) may be at most this old.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>freshness of a feature view over this dataset: the age of the view's newest event known now (features/*.yaml).</summary>
    public string? FeatureView { get; init; }

    /// <summary>relationships: the dataset and column every key must exist in.</summary>
    public string? To { get; init; }
    public string? Field { get; init; }

    /// <summary>schema: whether columns beyond the declared ones are allowed.</summary>
    public bool AllowExtraColumns { get; init; } = true;

    /// <summary>sql: a query returning the failing rows; <c>{{ this }}</c> names the version being checked.</summary>
    public string? Sql { get; init; }

    /// <summary>anomaly: what to follow and how far it may move from its history.</summary>
    public AnomalyMetric Metric { get; init; }
    public double? MaxDeviations { get; init; }
    public double? MaxChange { get; init; }
    public int History { get; init; } = 10;
    public int MinHistory { get; init; } = 3;

    public required SourceLocation Location { get; init; }
}

/// <summary>What a dataset promises about freshness, and what to do when it is not kept.</summary>
public sealed record FreshnessSlo
{
    /// <summary>The newest publication may be at most this old.</summary>
    public required TimeSpan MaxAge { get; init; }

    /// <summary>The share of time the promise must hold, e.g. 0.99.</summary>
    public double Objective { get; init; } = 0.99;

    /// <summary>The period attainment is measured over.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromDays(30);
}

/// <summary>What serving does when a dataset is stale.</summary>
public enum OnStale : byte
{
    Serve,
    Warn,
    Refuse,
}
