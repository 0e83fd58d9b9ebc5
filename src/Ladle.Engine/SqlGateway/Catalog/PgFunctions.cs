using Ladle.Core.Policy;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// What a call of a PostgreSQL catalog function, or a cast to a PostgreSQL-only type, becomes: a <see cref="PgMacros"/>
/// macro given the principal's part of the catalog as a trailing MAP literal, a constant, or DuckDB's own function
/// for a <c>pg_catalog.</c>-qualified name the catalog does not define (<c>pg_catalog.array_to_string</c>).
/// DuckDB's own pg_catalog macros are never used: they describe the store, not the principal's catalog.
/// </summary>
internal sealed class PgFunctions(Func<Principal, PgCatalogScope> scopes, string banner)
{
    private static readonly HashSet<string> Visibility = new(StringComparer.Ordinal)
    {
        "pg_table_is_visible", "pg_type_is_visible", "pg_function_is_visible", "pg_collation_is_visible", "pg_conversion_is_visible",
        "pg_opclass_is_visible", "pg_operator_is_visible", "pg_opfamily_is_visible", "pg_statistics_obj_is_visible",
        "pg_ts_config_is_visible", "pg_ts_dict_is_visible", "pg_ts_parser_is_visible", "pg_ts_template_is_visible",
    };

    private static readonly HashSet<string> NoDefinition = new(StringComparer.Ordinal)
    {
        "pg_get_statisticsobjdef_columns", "pg_get_viewdef", "pg_get_triggerdef", "pg_get_ruledef", "pg_get_function_arguments",
        "pg_get_function_result", "pg_get_function_identity_arguments", "pg_get_serial_sequence", "pg_get_partkeydef",
    };

    private static readonly HashSet<string> NoSize = new(StringComparer.Ordinal)
    {
        "pg_total_relation_size", "pg_relation_size", "pg_table_size", "pg_indexes_size", "pg_database_size",
    };

    public SqlFunctionRewrite? Rewrite(string? schema, string name, int arguments, Principal principal)
    {
        // information_schema's one helper clients call directly: pgjdbc's getPrimaryKeys and getIndexInfo expand indkey with it.
        if (schema == PgCatalogModel.InformationSchema) return name == "_pg_expandarray" ? Macro("pg_expandarray") : null;
        if (schema is not (null or PgCatalogModel.PgCatalogSchema)) return null;
        if (name.StartsWith("has_", StringComparison.Ordinal) && name.EndsWith("_privilege", StringComparison.Ordinal)) return Macro("privilege");
        // Metric relations are not on the search path: \dt lists them only when asked for (\dt metrics.*).
        if (name == "pg_table_is_visible") return Macro("is_visible", Hidden(scopes(principal)));
        if (Visibility.Contains(name)) return Macro("is_visible");
        if (NoDefinition.Contains(name)) return Macro("null_text");
        if (NoSize.Contains(name)) return Macro("zero_of");
        return name switch
        {
            "version" => Constant(PgSql.Text(banner)),
            "~*" => Macro("regex_imatch"),
            "!~*" => Macro("regex_not_imatch"),
            "current_database" or "current_catalog" => Constant(PgSql.Text(scopes(principal).Database)),
            "current_schema" => Constant(PgSql.Text(PgCatalogModel.PublicSchema)),
            "current_schemas" => Macro("current_schemas", SearchPath(scopes(principal))),
            "current_user" or "session_user" or "user" or "current_role" or "getpgusername" => Constant(PgSql.Text(principal.Name)),
            "pg_backend_pid" => Constant($"CAST({PgSql.Number(Environment.ProcessId)} AS INTEGER)"),
            "pg_is_in_recovery" => Constant("false"),
            "inet_server_addr" or "inet_client_addr" or "inet_server_port" or "inet_client_port" => Constant(PgSql.Null),
            "pg_tablespace_location" => Constant("''"),
            "obj_description" => Macro("obj_description", TableDescriptions(scopes(principal))),
            "col_description" => Macro("col_description", ColumnDescriptions(scopes(principal))),
            "shobj_description" => Macro("shobj_description", DatabaseDescription(scopes(principal))),
            "format_type" => Macro("format_type"),
            "pg_get_userbyid" => Macro("pg_get_userbyid", RoleNames(scopes(principal))),
            "pg_get_expr" => Macro("get_expr"),
            "pg_get_indexdef" => Macro("get_definition", IndexDefinitions(scopes(principal))),
            "pg_get_constraintdef" => Macro("get_definition", ConstraintDefinitions(scopes(principal))),
            "pg_encoding_to_char" or "quote_ident" or "array_upper" or "array_lower" or "current_setting" or "set_config" or "to_regtype" => Macro(name),
            "pg_relation_is_publishable" => Macro("false_of"),
            "to_regclass" => Macro("to_oid_by_name", RelationOids(scopes(principal))),
            "to_regnamespace" => Macro("to_oid_by_name", NamespaceOids(scopes(principal))),
            "to_regrole" => Macro("to_oid_by_name", RoleOids(scopes(principal))),
            "to_regproc" or "to_regprocedure" => Macro("to_regproc"),
            // Any other pg_catalog.f is DuckDB's own f (array_to_string, unnest, generate_series, …), not its pg_catalog macro.
            _ => schema is null ? null : new SqlFunctionRewrite(name, []),
        };
    }

    public SqlFunctionRewrite? Cast(string? schema, string type, Principal principal)
    {
        if (schema is not (null or PgCatalogModel.PgCatalogSchema or PgCatalogModel.InformationSchema)) return null;
        return type switch
        {
            "regclass" => Macro("to_name_by_oid", RelationNames(scopes(principal))),
            "regtype" => Macro("format_type", PgSql.Null),
            "regproc" or "regprocedure" => Macro("regproc_out"),
            "regnamespace" => Macro("to_name_by_oid", NamespaceNames(scopes(principal))),
            "regrole" => Macro("to_name_by_oid", RoleNames(scopes(principal))),
            "oid" or "xid" or "cid" or "regoper" or "regoperator" => Macro("to_oid"),
            "name" or "char" or "pg_node_tree" or "aclitem" or "sql_identifier" or "character_data" or "yes_or_no" => Macro("to_text"),
            "cardinal_number" => Macro("to_integer"),
            _ => null,
        };
    }

    private static SqlFunctionRewrite Macro(string name, params string[] extra) => new(PgMacros.Qualified(name), extra);

    private static SqlFunctionRewrite Constant(string sql) => new(null, [], sql);

    private static string Map<TKey>(IEnumerable<(TKey Key, string Value)> entries, Func<TKey, string> key, string type) =>
        $"CAST(MAP {{{string.Join(", ", entries.DistinctBy(e => e.Key).Select(e => key(e.Key) + ": " + e.Value))}}} AS {type})";

    private static string ByOid(IEnumerable<(uint Oid, string? Text)> entries) =>
        Map(entries.Where(e => e.Text is not null).Select(e => ((long)e.Oid, PgSql.Text(e.Text))), PgSql.Number, "MAP(BIGINT, VARCHAR)");

    private static string ByName(IEnumerable<(string Name, uint Oid)> entries) =>
        Map(entries.Select(e => (e.Name, PgSql.Number(e.Oid))), PgSql.Text, "MAP(VARCHAR, UINTEGER)");

    private static string TableDescriptions(PgCatalogScope scope) => ByOid(scope.Tables.Select(t => (t.Oid, t.Description)));

    private static string ColumnDescriptions(PgCatalogScope scope) => Map(
        scope.Tables.SelectMany(t => (t.Columns ?? []).Where(c => c.Description is not null).Select(c => ($"{t.Oid}:{c.Number}", PgSql.Text(c.Description)))),
        PgSql.Text, "MAP(VARCHAR, VARCHAR)");

    private static string DatabaseDescription(PgCatalogScope scope) => ByOid([(scope.Model.DatabaseOid, scope.Model.Project.Description)]);

    private static string RoleNames(PgCatalogScope scope) => ByOid(scope.KnownRoles().Select(r => (r.Oid, (string?)r.Name)));

    private static string RoleOids(PgCatalogScope scope) => ByName(scope.KnownRoles().Select(r => (r.Name, r.Oid)));

    private static string IndexDefinitions(PgCatalogScope scope) =>
        ByOid(scope.Tables.Where(t => t.Key is not null).Select(t => (t.Key!.IndexOid, (string?)PgScopedRelations.IndexDefinition(t))));

    private static string ConstraintDefinitions(PgCatalogScope scope) =>
        ByOid(scope.Tables.Where(t => t.Key is not null).Select(t => (t.Key!.ConstraintOid, (string?)PgScopedRelations.ConstraintDefinition(t))));

    // A metric relation prints qualified, as PostgreSQL prints a relation off the search path.
    private static string RelationNames(PgCatalogScope scope) => ByOid(PrintedRelations(scope).Select(r => (r.Oid, (string?)r.Name)));

    private static IEnumerable<(uint Oid, string Name)> PrintedRelations(PgCatalogScope scope) => scope.Tables.SelectMany(t => t.Key is { } k
        ? new[] { (t.Oid, PgScopedRelations.QuoteIdent(t.Name)), (k.IndexOid, PgScopedRelations.QuoteIdent(k.Name)) }
        : [(t.Oid, t.IsMetric ? $"{t.Schema}.{PgScopedRelations.QuoteIdent(t.Name)}" : PgScopedRelations.QuoteIdent(t.Name))]);

    /// <summary>The OID of a relation as x::regclass prints it (a binary regclass is the OID), or its number when it printed one; null otherwise.</summary>
    public static uint? RelationOid(PgCatalogScope scope, string printed)
    {
        foreach (var (oid, name) in PrintedRelations(scope))
            if (string.Equals(name, printed, StringComparison.Ordinal)) return oid;
        return uint.TryParse(printed, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    // What 'name'::regclass accepts: the name as written (quoted or not, any case) and qualified by its schema; a
    // metric relation only qualified. Datasets come first, so an unqualified name is the dataset's.
    private static string RelationOids(PgCatalogScope scope) => ByName(scope.Tables.SelectMany(t => t.IsMetric
        ? new[] { ($"{t.Schema}.{t.Name}", t.Oid), ($"{t.Schema}.{t.Name}".ToLowerInvariant(), t.Oid) }
        : [(t.Name, t.Oid), (t.Name.ToLowerInvariant(), t.Oid), ($"{t.Schema}.{t.Name}", t.Oid), ($"{t.Schema}.{t.Name}".ToLowerInvariant(), t.Oid)]));

    private static string Hidden(PgCatalogScope scope) =>
        $"CAST({PgSql.List(scope.Tables.Where(t => t.IsMetric).Select(t => PgSql.Number(t.Oid)))} AS BIGINT[])";

    private static string NamespaceNames(PgCatalogScope scope) => ByOid(scope.Namespaces.Select(n => (n.Oid, (string?)n.Name)));

    private static string NamespaceOids(PgCatalogScope scope) => ByName(scope.Namespaces.Select(n => (n.Name, n.Oid)));

    private static string SearchPath(PgCatalogScope scope) =>
        PgSql.List(scope.Namespaces.Where(n => n.Name is not (PgCatalogModel.PgCatalogSchema or PgCatalogModel.InformationSchema or PgCatalogModel.MetricsSchema)).Select(n => PgSql.Text(n.Name)));
}
