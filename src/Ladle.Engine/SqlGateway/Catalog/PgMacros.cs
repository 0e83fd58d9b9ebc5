namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// The catalog's functions, as DuckDB macros in <c>ladle_pg.main</c> created once by <see cref="PgCatalog.Setup"/>.
/// What depends on the principal (descriptions, role and table names) is not in them: the rewrite of each call
/// passes it as a trailing literal argument (a MAP), so one macro serves every principal.
/// </summary>
internal static class PgMacros
{
    private const string S = PgStaticRelations.Schema;

    /// <summary>The macro <paramref name="name"/> as it must be written in a call.</summary>
    public static string Qualified(string name) => S + "." + name;

    /// <summary>One CREATE MACRO per name, with all its overloads (a later CREATE OR REPLACE would drop the earlier ones).</summary>
    public static IEnumerable<string> Create() => Definitions()
        .GroupBy(d => d.Signature[..d.Signature.IndexOf('(', StringComparison.Ordinal)], StringComparer.Ordinal)
        .Select(g => $"CREATE OR REPLACE MACRO {S}.{g.Key}" + string.Join(", ", g.Select(d => $"{d.Signature[g.Key.Length..]} AS {d.Body}")));

    private static IEnumerable<(string Signature, string Body)> Definitions()
    {
        yield return Macro("duckdb_type_oid(t)", "CASE WHEN t = 'BOOLEAN' THEN 16 WHEN t IN ('TINYINT', 'SMALLINT', 'UTINYINT') THEN 21 " +
            "WHEN t IN ('INTEGER', 'USMALLINT') THEN 23 WHEN t IN ('BIGINT', 'UINTEGER') THEN 20 WHEN t IN ('HUGEINT', 'UBIGINT', 'UHUGEINT') OR t LIKE 'DECIMAL%' THEN 1700 " +
            "WHEN t = 'FLOAT' THEN 700 WHEN t = 'DOUBLE' THEN 701 WHEN t = 'DATE' THEN 1082 WHEN t = 'TIME' THEN 1083 " +
            "WHEN t LIKE 'TIMESTAMP WITH TIME ZONE%' THEN 1184 WHEN t LIKE 'TIMESTAMP%' THEN 1114 WHEN t = 'INTERVAL' THEN 1186 " +
            "WHEN t = 'UUID' THEN 2950 WHEN t = 'BLOB' THEN 17 WHEN t = 'JSON' THEN 114 ELSE 25 END");
        var names = string.Join(" ", PgBuiltinTypes.All.Select(t => $"WHEN {PgSql.Number(t.Oid)} THEN {PgSql.Text(t.Display)}"));
        yield return Macro("format_type(type_oid, typmod)",
            "CASE WHEN type_oid IS NULL THEN NULL " +
            "WHEN type_oid = 1700 AND typmod >= 4 THEN 'numeric(' || (((typmod - 4) >> 16) & 65535) || ',' || ((typmod - 4) & 65535) || ')' " +
            "WHEN type_oid = 1043 AND typmod >= 4 THEN 'character varying(' || (typmod - 4) || ')' " +
            "WHEN type_oid = 1042 AND typmod >= 4 THEN 'character(' || (typmod - 4) || ')' " +
            "WHEN type_oid = 1114 AND typmod >= 0 THEN 'timestamp(' || typmod || ') without time zone' " +
            "WHEN type_oid = 1184 AND typmod >= 0 THEN 'timestamp(' || typmod || ') with time zone' " +
            $"ELSE coalesce(CASE CAST(type_oid AS BIGINT) {names} END, '???') END");
        yield return Macro("obj_description(o, m)", "m[CAST(o AS BIGINT)]");
        yield return Macro("obj_description(o, catalog, m)", "CASE WHEN catalog IN ('pg_class', 'pg_catalog.pg_class') THEN m[CAST(o AS BIGINT)] END");
        yield return Macro("col_description(o, n, m)", "m[CAST(o AS VARCHAR) || ':' || CAST(n AS VARCHAR)]");
        yield return Macro("shobj_description(o, catalog, m)", "CASE WHEN catalog IN ('pg_database', 'pg_catalog.pg_database') THEN m[CAST(o AS BIGINT)] END");
        yield return Macro("pg_get_userbyid(o, m)", "CASE WHEN o IS NOT NULL THEN coalesce(m[CAST(o AS BIGINT)], 'unknown (OID=' || CAST(o AS VARCHAR) || ')') END");
        yield return Macro("is_visible(o)", "CASE WHEN o IS NOT NULL THEN true END");
        yield return Macro("is_visible(o, hidden)", "CASE WHEN o IS NOT NULL THEN NOT list_contains(hidden, CAST(o AS BIGINT)) END");
        yield return Macro("get_expr(e, r)", "CAST(NULL AS VARCHAR)");
        yield return Macro("get_expr(e, r, pretty)", "CAST(NULL AS VARCHAR)");
        yield return Macro("get_definition(o, m)", "m[CAST(o AS BIGINT)]");
        yield return Macro("get_definition(o, pretty, m)", "m[CAST(o AS BIGINT)]");
        yield return Macro("get_definition(o, col, pretty, m)", "CASE WHEN col = 0 THEN m[CAST(o AS BIGINT)] END");
        yield return Macro("privilege(a, b)", "true");
        yield return Macro("privilege(a, b, c)", "true");
        yield return Macro("privilege(a, b, c, d)", "true");
        yield return Macro("current_schemas(implicit, l)", "CASE WHEN implicit THEN ['pg_catalog'] || l ELSE l END");
        yield return Macro("pg_encoding_to_char(n)", "CASE n WHEN 6 THEN 'UTF8' WHEN 0 THEN 'SQL_ASCII' ELSE '' END");
        yield return Macro("quote_ident(s)", "CASE WHEN regexp_full_match(s, '[a-z_][a-z0-9_$]*') THEN s ELSE '\"' || replace(s, '\"', '\"\"') || '\"' END");
        yield return Macro("array_upper(a, d)", "CASE WHEN d = 1 AND len(a) > 0 THEN len(a) END");
        yield return Macro("array_lower(a, d)", "CASE WHEN d = 1 AND len(a) > 0 THEN 1 END");
        yield return Macro("regex_imatch(a, p)", "regexp_matches(a, p, 'i')");
        yield return Macro("regex_not_imatch(a, p)", "NOT regexp_matches(a, p, 'i')");
        yield return Macro("null_text(a)", "CAST(NULL AS VARCHAR)");
        yield return Macro("null_text(a, b)", "CAST(NULL AS VARCHAR)");
        yield return Macro("false_of(a)", "false");
        yield return Macro("zero_of(a)", "CAST(0 AS BIGINT)");
        yield return Macro("current_setting(n)", $"(SELECT s.setting FROM {S}.pg_settings AS s WHERE lower(s.name) = lower(n))");
        yield return Macro("current_setting(n, missing_ok)", $"(SELECT s.setting FROM {S}.pg_settings AS s WHERE lower(s.name) = lower(n))");
        // The wire session gives a call naming one of its parameters the session's value (PgCurrentSetting).
        yield return Macro("current_setting(n, missing_ok, v)", "CAST(v AS VARCHAR)");
        yield return Macro("set_config(n, v, local)", "v");
        // Names → OIDs (to_regclass and 'name'::regclass) and back (x::regclass): m maps names or OIDs of what the principal sees.
        yield return Macro("to_oid_by_name(n, m)", "coalesce(m[n], m[lower(n)], m[replace(n, '\"', '')])");
        yield return Macro("to_name_by_oid(o, m)", "CASE WHEN o IS NOT NULL THEN coalesce(m[CAST(o AS BIGINT)], CAST(o AS VARCHAR)) END");
        yield return Macro("to_regtype(n)", $"(SELECT t.oid FROM {S}.pg_type AS t WHERE t.typname = lower(n) OR {S}.format_type(t.oid, NULL) = lower(n) ORDER BY t.oid LIMIT 1)");
        yield return Macro("to_regproc(n)", $"(SELECT p.oid FROM {S}.pg_proc AS p WHERE p.proname = lower(n) ORDER BY p.oid LIMIT 1)");
        yield return Macro("regproc_out(o)", $"CASE WHEN o = 0 THEN '-' WHEN o IS NOT NULL THEN coalesce((SELECT p.proname FROM {S}.pg_proc AS p WHERE p.oid = o), CAST(o AS VARCHAR)) END");
        // A set-returning function of records (x, n), as PostgreSQL's: DuckDB's unnest of structs, so two calls in one
        // SELECT list run in step as PostgreSQL's do, and (f(a)).n / (keys).x read the fields.
        yield return Macro("pg_expandarray(a)", "unnest(list_transform(range(1, len(a) + 1), i -> {'x': a[i], 'n': CAST(i AS INTEGER)}))");
        yield return Macro("to_text(x)", "CAST(x AS VARCHAR)");
        yield return Macro("to_oid(x)", "CAST(x AS UINTEGER)");
        yield return Macro("to_integer(x)", "CAST(x AS INTEGER)");
    }

    private static (string Signature, string Body) Macro(string signature, string body) => (signature, body);
}
