using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Core.Queries;

namespace Ladle.Core.Plans;

/// <summary>The kinds of read the pipeline serves; SQL, feature lookups, point-in-time and window reads come next.</summary>
public enum PlanKind : byte
{
    /// <summary>Rows of one dataset: projection, filters, order, a page.</summary>
    Rows,

    /// <summary>Metrics by dimensions and time, planned against the semantic layer.</summary>
    Metrics,

    /// <summary>SQL from the project's owner at the CLI: unrestricted, but audited.</summary>
    TrustedSql,

    /// <summary>A principal's SQL statement (the PostgreSQL wire protocol): every dataset it names read inside its policy scope.</summary>
    Sql,

    /// <summary>A training set: entity rows joined point in time with features (<see cref="Features.PointInTime"/>).</summary>
    TrainingSet,

    /// <summary>An online feature lookup: the latest features of some entities, now.</summary>
    FeatureLookup,
}

/// <summary>What a read does with a dataset's rows, which decides what its policy scope must allow.</summary>
[Flags]
public enum ReadShape : byte
{
    /// <summary>Returns rows as they are.</summary>
    Rows = 0,

    /// <summary>Keeps rows by conditions on their columns.</summary>
    Filter = 1,

    /// <summary>Groups rows by columns.</summary>
    Group = 2,

    /// <summary>Returns aggregates of rows, not the rows.</summary>
    Aggregate = 4,
}

/// <summary>One dataset a plan reads: which columns (empty: every column), how (read page by page, or export), and what it does with them.</summary>
public sealed record PlanRead(string Dataset, IReadOnlyList<string> Columns, DataAction Action, ReadShape Shape);

/// <summary>A column of a plan's answer, when the plan knows it before reading.</summary>
public sealed record PlanColumn(string Name, LadleType Type);

/// <summary>
/// The policy scope of one dataset for one principal: the row filters its grants impose (an OR of AND groups;
/// empty: every row) and the columns masked for it. A plan compiles inside these, never around them.
/// </summary>
public sealed record PolicyScope(IReadOnlyList<IReadOnlyList<Filter>> RowFilters, IReadOnlyDictionary<string, MaskKind> Masks)
{
    /// <summary>Every row, every column in clear (an admin, or the owner's trusted SQL).</summary>
    public static PolicyScope Unrestricted { get; } = new([], new Dictionary<string, MaskKind>(StringComparer.OrdinalIgnoreCase));

    /// <summary>The key of keyed-hash masks, bound as a parameter where a mask hashes.</summary>
    public string? MaskKey { get; init; }

    public bool IsUnrestricted => RowFilters.Count == 0 && Masks.Count == 0;
}

/// <summary>
/// A read, as every interface asks for it: what it reads and how, what it answers, how it is audited, and how it
/// is cached. The read pipeline authorizes each of its <see cref="Reads"/>, scopes each dataset by policy, leases
/// versions, gates on trust, compiles the plan for the engine that holds the data (its dialect, the leased
/// relations, the scopes), executes it and writes the answer to a sink; the plan itself is pure.
/// </summary>
public abstract class QueryPlan
{
    public abstract PlanKind Kind { get; }

    /// <summary>Every dataset the plan reads, and how; empty for trusted SQL, which the policy does not restrict.</summary>
    public abstract IReadOnlyList<PlanRead> Reads { get; }

    /// <summary>The answer's columns, when known before reading (null: known once the engine has bound the query).</summary>
    public virtual IReadOnlyList<PlanColumn>? OutputSchema => null;

    /// <summary>What identifies the answer for caching (null: not cached).</summary>
    public virtual string? CacheKey => null;

    /// <summary>The audit entry's action (read, metrics, sql).</summary>
    public abstract string AuditAction { get; }

    /// <summary>The audit entry's target: the dataset, or the datasets read, comma-separated.</summary>
    public abstract string AuditTarget { get; }

    /// <summary>What was asked, as the audit keeps it (made safe by the audit, like all caller text).</summary>
    public abstract string AuditText { get; }

    /// <summary>True when the plan runs outside any policy scope (the project owner's SQL at the CLI).</summary>
    public virtual bool Trusted => false;
}
