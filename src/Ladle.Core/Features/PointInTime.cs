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
        var eventTime = ViewInstant(view, view.EventTimestamp);
        text.Append(eventTime).Append(" AS ladle_event, ");
        text.Append(view.CreatedTimestamp is { } created ? $"COALESCE({ViewInstant(view, created)}, {eventTime})" : eventTime).Append(" AS ladle_created");
        var ties = TieColumns(view);
        for (var i = 0; i < ties.Count; i++) text.Append(", ").Append(Dialect.Quote(ties[i])).Append(" AS ladle_tie").Append(Num(i));
        for (var i = 0; i < input.Features.Count; i++)
        {
            var feature = input.Features[i];
            // A column is served as the principal reads it (a masked one as its mask); an expression is cast to its declared type.
            // A windowed feature's row carries the aggregate's input (a count of rows counts 1s; a count needs no cast).
            var value = feature.Column is { } column ? Dialect.Quote(column)
                : feature.Sql is null ? "1"
                : feature.Aggregate?.Function == AggregateFunction.Count ? $"({feature.Sql})"
                : Dialect.Cast($"({feature.Sql})", feature.Type);
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
    /// The answer of every view for every entity row of <paramref name="entities"/> (a relation with
    /// <see cref="RowColumn"/>, <see cref="EntityTime"/> and every view's entity columns): a CTE <c>ladle_q</c> of the
    /// entity rows with their time <c>ladle_t</c> and each view's key <c>ladle_q{v}_k{i}</c>, and per view
    /// <c>ladle_p{v}</c>, its winner timeline (below), and, when it has windowed features, <c>ladle_w{v}</c>, their
    /// aggregates per entity row. <see cref="Joins"/> joins them to <c>ladle_q</c>.
    /// <para>
    /// Row features are answered by DuckDB's ASOF JOIN, which takes, per key, the one row with the greatest time ≤ t.
    /// It cannot take the rule as it is: the latest event ≤ t may not be known yet at t (created after t) and an older
    /// one must answer, and several rows may share an event time (ASOF picks any). So the ASOF runs over each key's
    /// winner timeline instead: the winner only changes when a row becomes known, at its known time
    /// max(event, created); a row is on the timeline when it outranks every row known no later than it
    /// (<c>row_number</c> over the definition's order, then a running minimum over known time), so the timeline
    /// holds at most one row per key and known time, and the winner at t is exactly the timeline's row with the
    /// greatest known time ≤ t — an ASOF with no ties.
    /// </para>
    /// </summary>
    /// <param name="entityTimeType">The DuckDB type of the entity rows' <see cref="EntityTime"/> when known (null: any).</param>
    public static string WinnersCte(IReadOnlyList<ViewInput> views, string entities, string? entityTimeType = null)
    {
        var text = new StringBuilder("WITH ladle_e AS (SELECT * FROM ").Append(entities).Append("), ladle_q AS (SELECT ladle_e.*, ")
            .Append(Instant("ladle_e." + Dialect.Quote(EntityTime), entityTimeType)).Append(" AS ladle_t");
        for (var v = 0; v < views.Count; v++)
        {
            var view = views[v].View;
            for (var i = 0; i < view.Entities.Count; i++)
                text.Append(", TRY_CAST(ladle_e.").Append(Dialect.Quote(view.Entities[i])).Append(" AS ").Append(Dialect.TypeName(KeyType(view, i)))
                    .Append(") AS ladle_q").Append(Num(v)).Append("_k").Append(Num(i));
        }
        text.Append(" FROM ladle_e)");
        for (var v = 0; v < views.Count; v++)
        {
            var input = views[v];
            var view = input.View;
            var n = Num(v);
            var keys = string.Join(", ", Enumerable.Range(0, view.Entities.Count).Select(i => "ladle_k" + Num(i)));
            text.Append(", ladle_r").Append(n).Append(" AS (SELECT *, greatest(ladle_event, ladle_created) AS ladle_known FROM (").Append(FeatureRows(input)).Append("))");
            if (input.Features.Any(f => f.Aggregate is null) && view.CreatedTimestamp is null)
            {
                // Known at its event time: the winner at t is the best of the latest event ≤ t, so the timeline is
                // each key's best row per event time (one ranking, no running minimum).
                text.Append(", ladle_p").Append(n).Append(" AS (SELECT * FROM ladle_r").Append(n).Append(" QUALIFY row_number() OVER (PARTITION BY ").Append(keys)
                    .Append(", ladle_event ORDER BY ").Append(Order(view, "ladle_r" + n)).Append(") = 1)");
            }
            else if (input.Features.Any(f => f.Aggregate is null))
            {
                text.Append(", ladle_p").Append(n).Append(" AS (SELECT * FROM (SELECT *, min(ladle_rank) OVER (PARTITION BY ").Append(keys)
                    .Append(" ORDER BY ladle_known RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ladle_best FROM (SELECT *, row_number() OVER (PARTITION BY ")
                    .Append(keys).Append(" ORDER BY ").Append(Order(view, "ladle_r" + n)).Append(") AS ladle_rank FROM ladle_r").Append(n)
                    .Append(")) WHERE ladle_rank = ladle_best)");
            }
            var windowed = input.Features.Select((f, i) => (Feature: f, Index: i)).Where(x => x.Feature.Aggregate is not null).ToList();
            if (windowed.Count == 0) continue;
            // Rows known at t (max(event, created) ≤ t) with event in (t − window, t]; one join for the longest window,
            // each aggregate filtered to its own.
            var longest = windowed.Max(x => x.Feature.Aggregate!.Window);
            text.Append(", ladle_w").Append(n).Append(" AS (SELECT q.ladle_row");
            foreach (var (feature, i) in windowed)
            {
                var inWindow = $"f.ladle_event > q.ladle_t - {Interval(feature.Aggregate!.Window)}";
                var value = $"{feature.Aggregate.FunctionName}(f.ladle_f{Num(i)}) FILTER (WHERE {inWindow})";
                text.Append(", ").Append(Dialect.Cast(value, feature.Type)).Append(" AS ladle_a").Append(Num(i));
                text.Append(", max(f.ladle_event) FILTER (WHERE ").Append(inWindow).Append(") AS ladle_n").Append(Num(i));
            }
            text.Append(" FROM ladle_q AS q JOIN ladle_r").Append(n).Append(" AS f ON ");
            for (var i = 0; i < view.Entities.Count; i++) text.Append("q.ladle_q").Append(n).Append("_k").Append(Num(i)).Append(" = f.ladle_k").Append(Num(i)).Append(" AND ");
            text.Append("f.ladle_known <= q.ladle_t AND f.ladle_event > q.ladle_t - ").Append(Interval(longest)).Append(" GROUP BY q.ladle_row)");
        }
        return text.ToString();
    }

    /// <summary>The FROM of a point-in-time answer: <c>ladle_q</c>, each view's timeline ASOF-joined as <c>ladle_p{v}</c>, its windows left-joined as <c>ladle_w{v}</c>.</summary>
    public static string Joins(IReadOnlyList<ViewInput> views)
    {
        var text = new StringBuilder(" FROM ladle_q");
        for (var v = 0; v < views.Count; v++)
        {
            var view = views[v].View;
            var n = Num(v);
            if (views[v].Features.Any(f => f.Aggregate is null))
            {
                text.Append(" ASOF LEFT JOIN ladle_p").Append(n).Append(" ON ");
                for (var i = 0; i < view.Entities.Count; i++)
                    text.Append("ladle_q.ladle_q").Append(n).Append("_k").Append(Num(i)).Append(" = ladle_p").Append(n).Append(".ladle_k").Append(Num(i)).Append(" AND ");
                text.Append("ladle_q.ladle_t >= ladle_p").Append(n).Append(".ladle_known");
            }
            if (views[v].Features.Any(f => f.Aggregate is not null))
                text.Append(" LEFT JOIN ladle_w").Append(n).Append(" ON ladle_w").Append(n).Append(".ladle_row = ladle_q.ladle_row");
        }
        return text.ToString();
    }

    /// <summary>Whether view <paramref name="v"/>'s winner is within its TTL at the entity row's time (event ≥ t − TTL).</summary>
    private static string Live(ViewInput input, int v) =>
        input.View.Ttl is { } ttl ? $"(ladle_p{Num(v)}.ladle_event >= ladle_q.ladle_t - {Interval(ttl)})" : $"(ladle_p{Num(v)}.ladle_event IS NOT NULL)";

    /// <summary>Feature <paramref name="i"/> of view <paramref name="v"/> as a training set holds it: NULL outside the TTL; a count over an empty window is 0.</summary>
    private static string Value(ViewInput input, int v, int i)
    {
        var feature = input.Features[i];
        if (feature.Aggregate is { } aggregate)
        {
            var value = $"ladle_w{Num(v)}.ladle_a{Num(i)}";
            return aggregate.Function == AggregateFunction.Count ? $"COALESCE({value}, 0)" : value;
        }
        return $"CASE WHEN {Live(input, v)} THEN ladle_p{Num(v)}.ladle_f{Num(i)} END";
    }

    /// <summary>
    /// A training set: every entity row's own columns in order, then each feature under its name as known at the
    /// row's <see cref="EntityTime"/> (NULL when no row is known or the latest is outside the TTL), in entity-row order.
    /// </summary>
    /// <param name="entityTimeType">The DuckDB type of the entity rows' <see cref="EntityTime"/> when known (null: any).</param>
    public static string TrainingSet(IReadOnlyList<ViewInput> views, string entities, IReadOnlyList<string> entityColumns, string? entityTimeType = null)
    {
        var text = new StringBuilder(WinnersCte(views, entities, entityTimeType)).Append(" SELECT ");
        text.Append(string.Join(", ", entityColumns.Select(c => "ladle_q." + Dialect.Quote(c))));
        for (var v = 0; v < views.Count; v++)
            for (var i = 0; i < views[v].Features.Count; i++)
                text.Append(", ").Append(Value(views[v], v, i)).Append(" AS ").Append(Dialect.Quote(views[v].Features[i].Name));
        text.Append(Joins(views));
        return text.Append(" ORDER BY ladle_q.ladle_row").ToString();
    }

    /// <summary>
    /// An online lookup answered in the store: per entity row, per view, the winner's event time (NULL: none
    /// known) and whether it is within the TTL, then per feature its value and the event time it answers for (a
    /// windowed feature's: the newest event in its window) (columns ladle_row, then per view ladle_event{v},
    /// ladle_live{v}, then ladle_v{v}_f{i}, ladle_v{v}_e{i} per feature), in entity-row order.
    /// </summary>
    /// <param name="carried">Columns of the entity rows to answer beside <c>ladle_row</c>, before the views' columns (the skew report's keys).</param>
    public static string Lookup(IReadOnlyList<ViewInput> views, string entities, IReadOnlyList<string>? carried = null)
    {
        var text = new StringBuilder(WinnersCte(views, entities)).Append(" SELECT ladle_q.ladle_row");
        foreach (var column in carried ?? []) text.Append(", ladle_q.").Append(Dialect.Quote(column));
        for (var v = 0; v < views.Count; v++)
        {
            var n = Num(v);
            var input = views[v];
            var rows = input.Features.Any(f => f.Aggregate is null);
            text.Append(rows ? $", ladle_p{n}.ladle_event AS ladle_event{n}, {Live(input, v)} AS ladle_live{n}" : $", NULL::TIMESTAMP AS ladle_event{n}, FALSE AS ladle_live{n}");
            for (var i = 0; i < input.Features.Count; i++)
            {
                var value = input.Features[i].Aggregate is null ? $"ladle_p{n}.ladle_f{Num(i)}" : Value(input, v, i);
                var at = input.Features[i].Aggregate is null ? $"ladle_p{n}.ladle_event" : $"ladle_w{n}.ladle_n{Num(i)}";
                text.Append($", {value} AS ladle_v{n}_f{Num(i)}, {at} AS ladle_v{n}_e{Num(i)}");
            }
        }
        text.Append(Joins(views));
        return text.Append(" ORDER BY ladle_q.ladle_row").ToString();
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

    /// <summary>
    /// A timestamp or date as a naive UTC timestamp (the store's session zone is UTC). Of a value whose DuckDB type
    /// is known, by the cheapest exact form: the cast through TIMESTAMPTZ goes through ICU's calendar for every value
    /// and cost a training set more than its join (1.35x the whole hand-written query's CPU for two such columns),
    /// while <c>epoch_us</c> reads a naive (UTC) and a zoned timestamp alike as the instant's microseconds.
    /// Text (or an unknown type) takes the general cast, which also reads an offset written in it.
    /// </summary>
    public static string Instant(string expression, string? duckDbType = null) => duckDbType switch
    {
        "TIMESTAMP" => expression,
        "DATE" or "TIMESTAMP_S" or "TIMESTAMP_MS" or "TIMESTAMP_NS" => $"CAST({expression} AS TIMESTAMP)",
        "TIMESTAMP WITH TIME ZONE" => $"make_timestamp(epoch_us({expression}))",
        _ => $"CAST(CAST({expression} AS TIMESTAMPTZ) AS TIMESTAMP)",
    };

    /// <summary>
    /// A time column of a view's dataset as a naive UTC timestamp. The dataset declares it a date or a timestamp,
    /// and what is served for a declared timestamp is a naive (UTC) or a zoned one (the store keeps a source's as it
    /// is), both read exactly by <c>epoch_us</c>.
    /// </summary>
    private static string ViewInstant(FeatureView view, string column)
    {
        var quoted = Dialect.Quote(column);
        return view.Dataset.FindColumn(column)?.Type switch
        {
            LadleType.Date => $"CAST({quoted} AS TIMESTAMP)",
            LadleType.Timestamp => $"make_timestamp(epoch_us({quoted}))",
            _ => Instant(quoted),
        };
    }

    /// <summary>The type an entity key is compared as: the key column's declared type.</summary>
    public static LadleType KeyType(FeatureView view, int index) => view.Dataset.FindColumn(view.Entities[index])!.Type;

    private static string Interval(TimeSpan ttl) =>
        "to_microseconds(CAST(" + ((long)(ttl.Ticks / TimeSpan.TicksPerMicrosecond)).ToString(CultureInfo.InvariantCulture) + " AS BIGINT))";

    private static string Num(int i) => i.ToString(CultureInfo.InvariantCulture);
}
