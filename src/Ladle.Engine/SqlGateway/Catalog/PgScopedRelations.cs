namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// The catalog relations that depend on who asks (schemas, tables, columns, keys, descriptions, roles), as SELECTs
/// over literal rows of the principal's <see cref="PgCatalogScope"/>: a dataset it may not see is in none of them.
/// </summary>
internal sealed class PgScopedRelations(PgCatalogScope scope)
{
    private const string Attribute = "pg_catalog.pg_attribute";

    /// <summary>The SELECT for pg_catalog relation <paramref name="name"/>, or null when it is not scoped.</summary>
    public string? PgCatalog(string name) => name switch
    {
        "pg_namespace" => Namespaces(),
        "pg_class" => Classes(),
        "pg_attribute" => Attributes(),
        "pg_index" => Indexes(),
        "pg_constraint" => Constraints(),
        "pg_description" => Descriptions(),
        "pg_shdescription" => SharedDescriptions(),
        "pg_database" => Databases(),
        "pg_roles" => Roles("pg_catalog.pg_roles", "rolname"),
        "pg_authid" => Roles("pg_catalog.pg_authid", "rolname"),
        "pg_user" => Users(),
        "pg_tables" => Tables(),
        "pg_indexes" => IndexViews(),
        "pg_stat_user_tables" => Stats("pg_catalog.pg_stat_user_tables"),
        "pg_stat_database" => PgSql.Rows("pg_catalog.pg_stat_database", [Row(("datid", Oid(scope.Model.DatabaseOid)), ("datname", PgSql.Text(scope.Database)))]),
        _ => null,
    };

    /// <summary>The SELECT for information_schema view <paramref name="name"/>, or null when it is not scoped.</summary>
    public string? InformationSchema(string name) => name switch
    {
        "schemata" => Schemata(),
        "tables" => InfoTables(),
        "columns" => InfoColumns(),
        "table_constraints" => TableConstraints(),
        "key_column_usage" => KeyColumnUsage(),
        _ => null,
    };

    private static Dictionary<string, string> Row(params (string Column, string Value)[] values) =>
        values.ToDictionary(v => v.Column, v => v.Value, StringComparer.Ordinal);

    private static string Oid(uint oid) => PgSql.Number(oid);

    private string Namespaces() => PgSql.Rows("pg_catalog.pg_namespace", scope.Namespaces.Select(n => (IReadOnlyDictionary<string, string>)Row(
        ("oid", Oid(n.Oid)), ("nspname", PgSql.Text(n.Name)), ("nspowner", Oid(PgOids.BootstrapRole)))).ToList());

    private string Classes()
    {
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (var t in scope.Tables)
        {
            // reloptions is empty rather than NULL: DuckDB's NULL || list is NULL where PostgreSQL's is the list (psql's \d+).
            rows.Add(Row(("oid", Oid(t.Oid)), ("relname", PgSql.Text(t.Name)), ("relnamespace", Oid(t.Namespace)),
                ("reltype", Oid(t.RowType)), ("relowner", Oid(t.Owner)), ("relam", Oid(PgOids.HeapAm)), ("reltuples", "-1"),
                ("relhasindex", PgSql.Bool(t.Key is not null)), ("relpersistence", "'p'"), ("relkind", "'r'"),
                ("relnatts", PgSql.Number(t.Columns?.Count ?? 0)), ("relispopulated", "true"), ("relreplident", "'d'"),
                ("relfilenode", Oid(t.Oid)), ("reloptions", "[]")));
            if (t.Key is { } key)
                rows.Add(Row(("oid", Oid(key.IndexOid)), ("relname", PgSql.Text(key.Name)), ("relnamespace", Oid(t.Namespace)),
                    ("relowner", Oid(t.Owner)), ("relam", Oid(PgOids.BtreeAm)), ("reltuples", "-1"), ("relpersistence", "'p'"),
                    ("relkind", "'i'"), ("relnatts", PgSql.Number(key.Columns.Count)), ("relispopulated", "true"),
                    ("relreplident", "'n'"), ("relfilenode", Oid(key.IndexOid))));
        }
        return PgSql.Rows("pg_catalog.pg_class", rows);
    }

    /// <summary>
    /// Declared columns as literal rows; a dataset without declared columns has them read from the store's
    /// <c>main.&lt;dataset&gt;</c> view (the served version's table) when the statement runs. The store is found by
    /// that view, not by current_database(): the gateway runs statements from a sandbox database.
    /// </summary>
    private string Attributes()
    {
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (var t in scope.Tables)
        foreach (var c in t.Columns ?? [])
        {
            var type = PgBuiltinTypes.All.First(b => b.Oid == c.TypeOid);
            rows.Add(Row(("attrelid", Oid(t.Oid)), ("attname", PgSql.Text(c.Name)), ("atttypid", Oid(c.TypeOid)),
                ("attstattarget", "-1"), ("attlen", PgSql.Number(type.Length)), ("attnum", PgSql.Number(c.Number)),
                ("attcacheoff", "-1"), ("atttypmod", PgSql.Number(c.TypeMod)), ("attbyval", PgSql.Bool(type.ByValue)),
                ("attalign", PgSql.Char(type.Align)), ("attstorage", PgSql.Char(type.Storage)), ("attcompression", "''"),
                ("attnotnull", PgSql.Bool(c.NotNull)), ("attidentity", "''"), ("attgenerated", "''"), ("attislocal", "true"),
                ("attcollation", Oid(type.Collation))));
        }
        var declared = PgSql.Rows(Attribute, rows);
        var discovered = scope.Tables.Where(t => t.Columns is null).ToList();
        if (discovered.Count == 0) return declared;
        var relid = "CASE lower(table_name) " + string.Join(" ", discovered.Select(t => $"WHEN {PgSql.Text(t.Name.ToLowerInvariant())} THEN {Oid(t.Oid)}")) + " END";
        var typeOid = $"{PgStaticRelations.Schema}.duckdb_type_oid(data_type)";
        var fromStore = PgSql.Project(Attribute, new Dictionary<string, string>
        {
            ["attrelid"] = relid,
            ["attname"] = "column_name",
            ["atttypid"] = typeOid,
            ["attstattarget"] = "-1",
            ["attnum"] = "column_index",
            ["attcacheoff"] = "-1",
            ["atttypmod"] = "CASE WHEN data_type LIKE 'DECIMAL%' THEN ((numeric_precision << 16) | numeric_scale) + 4 ELSE -1 END",
            ["attnotnull"] = "NOT is_nullable",
            ["attidentity"] = "''",
            ["attgenerated"] = "''",
            ["attcompression"] = "''",
            ["attislocal"] = "true",
            ["attcollation"] = $"CASE WHEN {typeOid} = 25 THEN 100 ELSE 0 END",
        });
        var names = string.Join(", ", discovered.Select(t => PgSql.Text(t.Name.ToLowerInvariant())));
        return $"{declared} UNION ALL SELECT {fromStore} FROM duckdb_columns() WHERE database_name <> '{PgStaticRelations.Database}' AND schema_name = 'main' AND lower(table_name) IN ({names})";
    }

    private string Indexes() => PgSql.Rows("pg_catalog.pg_index", scope.Tables.Where(t => t.Key is not null).Select(t => (IReadOnlyDictionary<string, string>)Row(
        ("indexrelid", Oid(t.Key!.IndexOid)), ("indrelid", Oid(t.Oid)), ("indnatts", PgSql.Number(t.Key.Columns.Count)),
        ("indnkeyatts", PgSql.Number(t.Key.Columns.Count)), ("indisunique", "true"), ("indisprimary", "true"),
        ("indimmediate", "true"), ("indisvalid", "true"), ("indisready", "true"), ("indislive", "true"),
        ("indkey", PgSql.Numbers(t.Key.Columns.Select(c => (long)c))),
        ("indcollation", PgSql.Numbers(t.Key.Columns.Select(_ => 0L))), ("indclass", PgSql.Numbers(t.Key.Columns.Select(_ => 0L))),
        ("indoption", PgSql.Numbers(t.Key.Columns.Select(_ => 0L))))).ToList());

    private string Constraints() => PgSql.Rows("pg_catalog.pg_constraint", scope.Tables.Where(t => t.Key is not null).Select(t => (IReadOnlyDictionary<string, string>)Row(
        ("oid", Oid(t.Key!.ConstraintOid)), ("conname", PgSql.Text(t.Key.Name)), ("connamespace", Oid(t.Namespace)),
        ("contype", "'p'"), ("condeferrable", "false"), ("condeferred", "false"), ("convalidated", "true"),
        ("conrelid", Oid(t.Oid)), ("conindid", Oid(t.Key.IndexOid)), ("confupdtype", "' '"), ("confdeltype", "' '"),
        ("confmatchtype", "' '"), ("conislocal", "true"), ("connoinherit", "true"),
        ("conkey", PgSql.Numbers(t.Key.Columns.Select(c => (long)c))))).ToList());

    private string Descriptions()
    {
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (var t in scope.Tables)
        {
            if (t.Description is { } d)
                rows.Add(Row(("objoid", Oid(t.Oid)), ("classoid", Oid(PgOids.PgClassRelation)), ("objsubid", "0"), ("description", PgSql.Text(d))));
            foreach (var c in t.Columns ?? [])
                if (c.Description is { } cd)
                    rows.Add(Row(("objoid", Oid(t.Oid)), ("classoid", Oid(PgOids.PgClassRelation)), ("objsubid", PgSql.Number(c.Number)), ("description", PgSql.Text(cd))));
        }
        return PgSql.Rows("pg_catalog.pg_description", rows);
    }

    private string SharedDescriptions() => PgSql.Rows("pg_catalog.pg_shdescription", scope.Model.Project.Description is { } d
        ? [Row(("objoid", Oid(scope.Model.DatabaseOid)), ("classoid", Oid(PgOids.PgDatabaseRelation)), ("description", PgSql.Text(d)))]
        : []);

    private string Databases() => PgSql.Rows("pg_catalog.pg_database", [Row(
        ("oid", Oid(scope.Model.DatabaseOid)), ("datname", PgSql.Text(scope.Database)), ("datdba", Oid(PgOids.BootstrapRole)),
        ("encoding", "6"), ("datlocprovider", "'c'"), ("datistemplate", "false"), ("datallowconn", "true"),
        ("datconnlimit", "-1"), ("dattablespace", Oid(PgOids.DefaultTablespace)), ("datcollate", "'C.UTF-8'"), ("datctype", "'C.UTF-8'"))]);

    private string Roles(string relation, string nameColumn) => PgSql.Rows(relation, [Row(
        ("oid", Oid(scope.RoleOid)), (nameColumn, PgSql.Text(scope.Principal.Name)), ("rolinherit", "true"),
        ("rolcanlogin", "true"), ("rolconnlimit", "-1"))]);

    private string Users() => PgSql.Rows("pg_catalog.pg_user", [Row(
        ("usename", PgSql.Text(scope.Principal.Name)), ("usesysid", Oid(scope.RoleOid)), ("passwd", "'********'"))]);

    private string Tables() => PgSql.Rows("pg_catalog.pg_tables", scope.Tables.Select(t => (IReadOnlyDictionary<string, string>)Row(
        ("schemaname", PgSql.Text(t.Schema)), ("tablename", PgSql.Text(t.Name)), ("tableowner", PgSql.Text(t.OwnerName ?? PgCatalogModel.BootstrapOwner)),
        ("hasindexes", PgSql.Bool(t.Key is not null)))).ToList());

    private string IndexViews() => PgSql.Rows("pg_catalog.pg_indexes", scope.Tables.Where(t => t.Key is not null).Select(t => (IReadOnlyDictionary<string, string>)Row(
        ("schemaname", PgSql.Text(t.Schema)), ("tablename", PgSql.Text(t.Name)), ("indexname", PgSql.Text(t.Key!.Name)),
        ("indexdef", PgSql.Text(IndexDefinition(t))))).ToList());

    private string Stats(string relation) => PgSql.Rows(relation, scope.Tables.Select(t => (IReadOnlyDictionary<string, string>)Row(
        ("relid", Oid(t.Oid)), ("schemaname", PgSql.Text(t.Schema)), ("relname", PgSql.Text(t.Name)))).ToList());

    private string Schemata() => PgSql.Rows("information_schema.schemata", scope.Namespaces.Select(n => (IReadOnlyDictionary<string, string>)Row(
        ("catalog_name", PgSql.Text(scope.Database)), ("schema_name", PgSql.Text(n.Name)), ("schema_owner", PgSql.Text(PgCatalogModel.BootstrapOwner)))).ToList());

    private string InfoTables() => PgSql.Rows("information_schema.tables", scope.Tables.Select(t => (IReadOnlyDictionary<string, string>)Row(
        ("table_catalog", PgSql.Text(scope.Database)), ("table_schema", PgSql.Text(t.Schema)), ("table_name", PgSql.Text(t.Name)),
        ("table_type", "'BASE TABLE'"), ("is_insertable_into", "'NO'"), ("is_typed", "'NO'"))).ToList());

    /// <summary>Over this scope's pg_attribute, as PostgreSQL defines the view over its catalog, so declared and discovered columns agree.</summary>
    private string InfoColumns()
    {
        var f = PgStaticRelations.Schema;
        var tables = PgSql.Rows("pg_catalog.pg_class", scope.Tables.Select(t => (IReadOnlyDictionary<string, string>)Row(
            ("oid", Oid(t.Oid)), ("relname", PgSql.Text(t.Name)), ("relnamespace", Oid(t.Namespace)))).ToList());
        var expressions = new Dictionary<string, string>
        {
            ["table_catalog"] = PgSql.Text(scope.Database),
            ["table_schema"] = "n.nspname",
            ["table_name"] = "c.relname",
            ["column_name"] = "a.attname",
            ["ordinal_position"] = "a.attnum",
            ["is_nullable"] = "CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END",
            ["data_type"] = $"CASE WHEN t.typcategory = 'A' THEN 'ARRAY' ELSE {f}.format_type(a.atttypid, NULL) END",
            ["character_octet_length"] = "CASE WHEN a.atttypid IN (25, 1042, 1043) THEN 1073741824 END",
            ["numeric_precision"] = "CASE a.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 WHEN 701 THEN 53 " +
                "WHEN 1700 THEN CASE WHEN a.atttypmod >= 4 THEN ((a.atttypmod - 4) >> 16) & 65535 END END",
            ["numeric_precision_radix"] = "CASE WHEN a.atttypid IN (21, 23, 20, 700, 701) THEN 2 WHEN a.atttypid = 1700 THEN 10 END",
            ["numeric_scale"] = "CASE WHEN a.atttypid IN (21, 23, 20) THEN 0 WHEN a.atttypid = 1700 AND a.atttypmod >= 4 THEN (a.atttypmod - 4) & 65535 END",
            ["datetime_precision"] = "CASE WHEN a.atttypid = 1082 THEN 0 WHEN a.atttypid IN (1114, 1184, 1083, 1266, 1186) THEN CASE WHEN a.atttypmod < 0 THEN 6 ELSE a.atttypmod END END",
            ["udt_catalog"] = PgSql.Text(scope.Database),
            ["udt_schema"] = "'pg_catalog'",
            ["udt_name"] = "t.typname",
            ["dtd_identifier"] = "CAST(a.attnum AS VARCHAR)",
            ["is_self_referencing"] = "'NO'",
            ["is_identity"] = "'NO'",
            ["identity_cycle"] = "'NO'",
            ["is_generated"] = "'NEVER'",
            ["is_updatable"] = "'NO'",
            ["collation_catalog"] = PgSql.Null,
        };
        return $"SELECT {PgSql.Project("information_schema.columns", expressions)} FROM ({Attributes()}) AS a " +
            $"JOIN ({tables}) AS c ON c.oid = a.attrelid JOIN ({Namespaces()}) AS n ON n.oid = c.relnamespace " +
            $"JOIN {f}.pg_type AS t ON t.oid = a.atttypid WHERE a.attnum > 0 AND NOT a.attisdropped";
    }

    private string TableConstraints() => PgSql.Rows("information_schema.table_constraints", scope.Tables.Where(t => t.Key is not null).Select(t => (IReadOnlyDictionary<string, string>)Row(
        ("constraint_catalog", PgSql.Text(scope.Database)), ("constraint_schema", PgSql.Text(t.Schema)), ("constraint_name", PgSql.Text(t.Key!.Name)),
        ("table_catalog", PgSql.Text(scope.Database)), ("table_schema", PgSql.Text(t.Schema)), ("table_name", PgSql.Text(t.Name)),
        ("constraint_type", "'PRIMARY KEY'"), ("is_deferrable", "'NO'"), ("initially_deferred", "'NO'"), ("enforced", "'YES'"))).ToList());

    private string KeyColumnUsage() => PgSql.Rows("information_schema.key_column_usage", scope.Tables.Where(t => t.Key is not null)
        .SelectMany(t => t.Key!.ColumnNames.Select((c, i) => (IReadOnlyDictionary<string, string>)Row(
            ("constraint_catalog", PgSql.Text(scope.Database)), ("constraint_schema", PgSql.Text(t.Schema)), ("constraint_name", PgSql.Text(t.Key.Name)),
            ("table_catalog", PgSql.Text(scope.Database)), ("table_schema", PgSql.Text(t.Schema)), ("table_name", PgSql.Text(t.Name)),
            ("column_name", PgSql.Text(c)), ("ordinal_position", PgSql.Number(i + 1))))).ToList());

    /// <summary>pg_get_indexdef's text for a primary key's index (the table unqualified: every schema is on the search path).</summary>
    public static string IndexDefinition(PgTable t) =>
        $"CREATE UNIQUE INDEX {QuoteIdent(t.Key!.Name)} ON {QuoteIdent(t.Name)} USING btree ({string.Join(", ", t.Key.ColumnNames.Select(QuoteIdent))})";

    /// <summary>pg_get_constraintdef's text for a primary key.</summary>
    public static string ConstraintDefinition(PgTable t) => $"PRIMARY KEY ({string.Join(", ", t.Key!.ColumnNames.Select(QuoteIdent))})";

    /// <summary>quote_ident: a name as PostgreSQL prints it, quoted only when it must be.</summary>
    public static string QuoteIdent(string name) =>
        name.Length > 0 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_') && name.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '_' || ch == '$')
            ? name
            : PgSql.Identifier(name);
}
