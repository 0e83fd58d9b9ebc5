using System.Globalization;
using System.Text;
using Ladle.Core.Model;
using Ladle.Core.Sql;

namespace Ladle.Core.Features;

/// <summary>
/// The one definition of "a feature's value at time t", compiled to DuckDB SQL for training sets, for online
/// lookups that run in the store, and for the rows the online store keeps:
/// <list type="number">
/// <item>a row of the view is known at t when its event time ≤ t and its created time ≤ t (a row without a created
/// time is known at its event time); rows with a null key or a null event time are never known;</item>
/// <item>of the rows known at t for an entity, the latest wins: the greatest event time, then the greatest created
/// time, then the greatest stable key (the dataset's primary key, else its non-PII columns in declared order,
/// nulls last) — every tie is broken, so the answer is deterministic;</item>
/// <item>the winning row answers when its event time ≥ t − TTL (both ends inclusive); otherwise the feature is
/// outside its TTL and a training set holds NULL. An older row is never used instead: it is older still.</item>
/// </list>
/// All of a view's features come from the same winning row; a NULL in that row is NULL, not an older value.
/// </summary>
public static class PointInTime
{
    /// <summary>The column of an entity row that says when it asks ("as known at").</summary>
    public const string EntityTime = "event_timestamp";

    /// <summary>The entity rows' position column (added by the engine: output order and the join back).</summary>
    public const string RowColumn = "ladle_row";

    private static readonly SqlDialect Dialect = SqlDialect.DuckDb;

    /// <summary>The features of one view a plan reads, with the SQL of the view's dataset as the principal may read it.</summary>
    public sealed record ViewInput(FeatureView View, IReadOnlyList<FeatureDefinition> Features, string Source);

    /// <summary>
    /// The columns of a view's rows as the definition uses them: keys <c>ladle_k{i}</c>, <c>ladle_event</c>,
    /// <c>ladle_created</c>, tie keys <c>ladle_tie{i}</c>, features <c>ladle_f{i}</c>.
    /// </summary>
    public static string FeatureRows(ViewInput input)
    {
        var view = input.View;
        var text = new StringBuilder("SELECT ");
        for (var i = 0; i < view.Entities.Count; i++)
            text.Append(Dialect.Cast(Dialect.Quote(view.Entities[i]), KeyType(view, i))).Append(" AS ladle_k").Append(Num(i)).Append(", ");
        var eventTime = Instant(Dialect.Quote(view.EventTimestamp));
        text.Append(eventTime).Append(" AS ladle_event, ");
        text.Append(view.CreatedTimestamp is { } created ? $"COALESCE({Instant(Dialect.Quote(created))}, {eventTime})" : eventTime).Append(" AS ladle_created");
        var ties = TieColumns(view);
        for (var i = 0; i < ties.Count; i++) text.Append(", ").Append(Dialect.Quote(ties[i])).Append(" AS ladle_tie").Append(Num(i));
        for (var i = 0; i < input.Features.Count; i++)
        {
            var feature = input.Features[i];
            // A column is served as the principal reads it (a masked one as its mask); an expression is cast to its declared type.
            var value = feature.Column is { } column ? Dialect.Quote(column) : Dialect.Cast($"({feature.Sql})", feature.Type);
            text.Append(", ").Append(value).Append(" AS ladle_f").Append(Num(i));
        }
        text.Append(" FROM (").Append(input.Source).Append(") AS ladle_src WHERE ").Append(eventTime).Append(" IS NOT NULL");
        for (var i = 0; i < view.Entities.Count; i++) text.Append(" AND ").Append(Dialect.Quote(view.Entities[i])).Append(" IS NOT NULL");
        return text.ToString();
    }

    /// <summary>The order in which rows known at the same time win (first wins), over <paramref name="alias"/>'s columns.</summary>
    public static string Order(FeatureView view, string alias)
    {
        var text = new StringBuilder($"{alias}.ladle_event DESC, {alias}.ladle_created DESC");
        var ties = TieColumns(view);
        for (var i = 0; i < ties.Count; i++) text.Append(", ").Append(Dialect.OrderKey($"{alias}.ladle_tie{Num(i)}", descending: true));
        return text.ToString();
    }

    /// <summary>
    /// The stable key that breaks ties: the primary key, else every non-PII declared column (masks would change how
    /// PII values sort, and so which row wins, for different principals).
    /// </summary>
    public static IReadOnlyList<string> TieColumns(FeatureView view)
    {
        var dataset = view.Dataset;
        if (dataset.PrimaryKey.Count > 0 && dataset.PrimaryKey.All(k => dataset.FindColumn(k) is not { Pii: true }))
            return dataset.PrimaryKey;
        return dataset.Columns.Where(c => !c.Pii).Select(c => c.Name).ToList();
    }

    /// <summary>
    /// The winning row of each view for every entity row of <paramref name="entities"/> (a relation with
    /// <see cref="RowColumn"/>, <see cref="EntityTime"/> and every view's entity columns), one CTE per view named
    /// <c>ladle_v{i}</c> with columns ladle_row, ladle_event, ladle_live (within TTL) and ladle_f{j}.
    /// </summary>
    public static string WinnersCte(IReadOnlyList<ViewInput> views, string entities)
    {
        var text = new StringBuilder("WITH ladle_e AS (SELECT * FROM ").Append(entities).Append(')');
        for (var v = 0; v < views.Count; v++)
        {
            var input = views[v];
            var view = input.View;
            text.Append(", ladle_v").Append(Num(v)).Append(" AS (SELECT e.ladle_row, f.ladle_event, ");
            text.Append(view.Ttl is { } ttl ? $"f.ladle_event >= e.ladle_t - {Interval(ttl)}" : "TRUE").Append(" AS ladle_live");
            for (var i = 0; i < input.Features.Count; i++) text.Append(", f.ladle_f").Append(Num(i));
            text.Append(" FROM (SELECT ").Append(RowColumn).Append(" AS ladle_row, ").Append(Instant(Dialect.Quote(EntityTime))).Append(" AS ladle_t");
            for (var i = 0; i < view.Entities.Count; i++)
                text.Append(", TRY_CAST(").Append(Dialect.Quote(view.Entities[i])).Append(" AS ").Append(Dialect.TypeName(KeyType(view, i))).Append(") AS ladle_k").Append(Num(i));
            text.Append(" FROM ladle_e) AS e JOIN (").Append(FeatureRows(input)).Append(") AS f ON ");
            for (var i = 0; i < view.Entities.Count; i++) text.Append("e.ladle_k").Append(Num(i)).Append(" = f.ladle_k").Append(Num(i)).Append(" AND ");
            text.Append("f.ladle_event <= e.ladle_t AND f.ladle_created <= e.ladle_t");
            text.Append(" QUALIFY row_number() OVER (PARTITION BY e.ladle_row ORDER BY ").Append(Order(view, "f")).Append(") = 1)");
        }
        return text.ToString();
    }

    /// <summary>
    /// A training set: every entity row's own columns in order, then each feature under its name as known at the
    /// row's <see cref="EntityTime"/> (NULL when no row is known or the latest is outside the TTL), in entity-row order.
    /// </summary>
    public static string TrainingSet(IReadOnlyList<ViewInput> views, string entities, IReadOnlyList<string> entityColumns)
    {
        var text = new StringBuilder(WinnersCte(views, entities)).Append(" SELECT ");
        text.Append(string.Join(", ", entityColumns.Select(c => "ladle_e." + Dialect.Quote(c))));
        for (var v = 0; v < views.Count; v++)
            for (var i = 0; i < views[v].Features.Count; i++)
                text.Append(", CASE WHEN ladle_v").Append(Num(v)).Append(".ladle_live THEN ladle_v").Append(Num(v)).Append(".ladle_f").Append(Num(i))
                    .Append(" END AS ").Append(Dialect.Quote(views[v].Features[i].Name));
        text.Append(" FROM ladle_e");
        for (var v = 0; v < views.Count; v++)
            text.Append(" LEFT JOIN ladle_v").Append(Num(v)).Append(" ON ladle_v").Append(Num(v)).Append(".ladle_row = ladle_e.ladle_row");
        return text.Append(" ORDER BY ladle_e.ladle_row").ToString();
    }

    /// <summary>
    /// An online lookup answered in the store: per entity row, per view, the winner's event time (NULL: none
    /// known), whether it is within the TTL, and its features (columns ladle_row, then per view
    /// ladle_event{v}, ladle_live{v}, ladle_v{v}_f{i}), in entity-row order.
    /// </summary>
    public static string Lookup(IReadOnlyList<ViewInput> views, string entities)
    {
        var text = new StringBuilder(WinnersCte(views, entities)).Append(" SELECT ladle_e.ladle_row");
        for (var v = 0; v < views.Count; v++)
        {
            var n = Num(v);
            text.Append($", ladle_v{n}.ladle_event AS ladle_event{n}, ladle_v{n}.ladle_live AS ladle_live{n}");
            for (var i = 0; i < views[v].Features.Count; i++) text.Append($", ladle_v{n}.ladle_f{Num(i)} AS ladle_v{n}_f{Num(i)}");
        }
        text.Append(" FROM ladle_e");
        for (var v = 0; v < views.Count; v++) text.Append($" LEFT JOIN ladle_v{Num(v)} ON ladle_v{Num(v)}.ladle_row = ladle_e.ladle_row");
        return text.Append(" ORDER BY ladle_e.ladle_row").ToString();
    }

    /// <summary>
    /// What the online store keeps of a view, as of <paramref name="nowParameter"/>: per entity, the row that wins now,
    /// and every row not yet known now (event or created time after it), which may win later; each with its rank in
    /// the entity's order of all rows (1 wins), so the store picks the winner at any later time without comparing
    /// values itself. Columns: ladle_k{i}, ladle_event, ladle_created, ladle_rank, ladle_f{i}.
    /// </summary>
    public static string OnlineRows(ViewInput input, string nowParameter)
    {
        var view = input.View;
        var keys = string.Join(", ", Enumerable.Range(0, view.Entities.Count).Select(i => "f.ladle_k" + Num(i)));
        var known = $"(f.ladle_event <= {nowParameter} AND f.ladle_created <= {nowParameter})";
        var text = new StringBuilder("SELECT ");
        for (var i = 0; i < view.Entities.Count; i++) text.Append("ladle_k").Append(Num(i)).Append(", ");
        text.Append("ladle_event, ladle_created, ladle_rank");
        for (var i = 0; i < input.Features.Count; i++) text.Append(", ladle_f").Append(Num(i));
        text.Append(" FROM (SELECT f.*, ").Append(known).Append(" AS ladle_known, row_number() OVER (PARTITION BY ").Append(keys)
            .Append(" ORDER BY ").Append(Order(view, "f")).Append(") AS ladle_rank, row_number() OVER (PARTITION BY ").Append(keys).Append(", ").Append(known)
            .Append(" ORDER BY ").Append(Order(view, "f")).Append(") AS ladle_known_rank FROM (").Append(FeatureRows(input)).Append(") AS f)")
            .Append(" WHERE NOT ladle_known OR ladle_known_rank = 1");
        return text.ToString();
    }

    /// <summary>A timestamp or date as a naive UTC timestamp (the store's session zone is UTC).</summary>
    public static string Instant(string expression) => $"CAST(CAST({expression} AS TIMESTAMPTZ) AS TIMESTAMP)";

    /// <summary>The type an entity key is compared as: the key column's declared type.</summary>
    public static LadleType KeyType(FeatureView view, int index) => view.Dataset.FindColumn(view.Entities[index])!.Type;

    private static string Interval(TimeSpan ttl) =>
        "to_microseconds(CAST(" + ((long)(ttl.Ticks / TimeSpan.TicksPerMicrosecond)).ToString(CultureInfo.InvariantCulture) + " AS BIGINT))";

    private static string Num(int i) => i.ToString(CultureInfo.InvariantCulture);
}
