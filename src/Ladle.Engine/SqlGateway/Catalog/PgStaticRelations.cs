namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// The catalog relations that are the same for every principal (types, the functions they name, access methods,
/// collations, settings): created once as tables of the in-memory <c>ladle_pg</c> database by <see cref="PgCatalog.Setup"/>.
/// </summary>
internal static class PgStaticRelations
{
    /// <summary>The in-memory database holding the static relations and the catalog's macros.</summary>
    public const string Database = "ladle_pg";

    /// <summary>Where the static relations and macros live, as it must be written in SQL.</summary>
    public const string Schema = Database + ".main";

    public static readonly IReadOnlyList<string> Names =
        ["pg_type", "pg_proc", "pg_am", "pg_collation", "pg_tablespace", "pg_settings", "pg_extension"];

    /// <summary>CREATE TABLE statements for <see cref="Names"/>.</summary>
    public static IEnumerable<string> Create(string serverVersion) =>
    [
        Table("pg_type", Types()),
        Table("pg_proc", Procs()),
        Table("pg_am", [Row(("oid", "2"), ("amname", "'heap'"), ("amhandler", "3"), ("amtype", "'t'")),
            Row(("oid", "403"), ("amname", "'btree'"), ("amhandler", "330"), ("amtype", "'i'"))]),
        Table("pg_collation", [Collation(100, "default", 'd', null), Collation(950, "C", 'c', "C"), Collation(951, "POSIX", 'c', "POSIX")]),
        Table("pg_tablespace", [Row(("oid", "1663"), ("spcname", "'pg_default'"), ("spcowner", "10")),
            Row(("oid", "1664"), ("spcname", "'pg_global'"), ("spcowner", "10"))]),
        Table("pg_settings", Settings(serverVersion)),
        Table("pg_extension", [Row(("oid", "13561"), ("extname", "'plpgsql'"), ("extowner", "10"),
            ("extnamespace", "11"), ("extversion", "'1.0'"))]),
    ];

    private static string Table(string name, IReadOnlyCollection<IReadOnlyDictionary<string, string>> rows) =>
        $"CREATE OR REPLACE TABLE {Schema}.{name} AS {PgSql.Rows("pg_catalog." + name, rows)}";

    private static Dictionary<string, string> Row(params (string Column, string Value)[] values) =>
        values.ToDictionary(v => v.Column, v => v.Value, StringComparer.Ordinal);

    private static List<IReadOnlyDictionary<string, string>> Types() => PgBuiltinTypes.All.Select(t => (IReadOnlyDictionary<string, string>)Row(
        ("oid", PgSql.Number(t.Oid)), ("typname", PgSql.Text(t.Name)), ("typnamespace", "11"), ("typowner", "10"),
        ("typlen", PgSql.Number(t.Length)), ("typbyval", PgSql.Bool(t.ByValue)), ("typtype", PgSql.Char(t.Type)),
        ("typcategory", PgSql.Char(t.Category)), ("typispreferred", PgSql.Bool(t.Preferred)), ("typisdefined", "true"),
        ("typdelim", PgSql.Char(t.Delimiter)), ("typrelid", "0"), ("typsubscript", t.Category == 'A' ? "6179" : "0"),
        ("typelem", PgSql.Number(t.Element)), ("typarray", PgSql.Number(t.Array)),
        ("typinput", PgSql.Number(t.Input.Oid)), ("typoutput", PgSql.Number(t.Output.Oid)),
        ("typreceive", PgSql.Number(t.Receive.Oid)), ("typsend", PgSql.Number(t.Send.Oid)),
        ("typalign", PgSql.Char(t.Align)), ("typstorage", PgSql.Char(t.Storage)), ("typnotnull", "false"),
        ("typbasetype", "0"), ("typtypmod", "-1"), ("typndims", "0"), ("typcollation", PgSql.Number(t.Collation)))).ToList();

    private static List<IReadOnlyDictionary<string, string>> Procs() => PgBuiltinTypes.Procs.Select(p => (IReadOnlyDictionary<string, string>)Row(
        ("oid", PgSql.Number(p.Oid)), ("proname", PgSql.Text(p.Name)), ("pronamespace", "11"), ("proowner", "10"),
        ("prolang", "12"), ("procost", "1"), ("prokind", "'f'"), ("prosecdef", "false"), ("proleakproof", "false"),
        ("proisstrict", "true"), ("proretset", "false"), ("provolatile", "'i'"), ("proparallel", "'s'"),
        ("prosrc", PgSql.Text(p.Name)))).ToList();

    private static Dictionary<string, string> Collation(uint oid, string name, char provider, string? collate) => Row(
        ("oid", PgSql.Number(oid)), ("collname", PgSql.Text(name)), ("collnamespace", "11"), ("collowner", "10"),
        ("collprovider", PgSql.Char(provider)), ("collisdeterministic", "true"), ("collencoding", "-1"),
        ("collcollate", PgSql.Text(collate)), ("collctype", PgSql.Text(collate)));

    private static List<IReadOnlyDictionary<string, string>> Settings(string serverVersion)
    {
        (string Name, string Value, string Type, string Description)[] settings =
        [
            ("server_version", serverVersion, "string", "Shows the server version."),
            ("server_version_num", ServerVersionNumber(serverVersion), "integer", "Shows the server version as an integer."),
            ("server_encoding", "UTF8", "string", "Shows the server (database) character set encoding."),
            ("client_encoding", "UTF8", "string", "Sets the client's character set encoding."),
            ("DateStyle", "ISO, MDY", "string", "Sets the display format for date and time values."),
            ("IntervalStyle", "postgres", "enum", "Sets the display format for interval values."),
            ("TimeZone", "UTC", "string", "Sets the time zone for displaying and interpreting time stamps."),
            ("integer_datetimes", "on", "bool", "Shows whether datetimes are integer based."),
            ("standard_conforming_strings", "on", "bool", "Causes '...' strings to treat backslashes literally."),
            ("default_transaction_read_only", "on", "bool", "Sets the default read-only status of new transactions."),
            ("transaction_read_only", "on", "bool", "Shows whether the current transaction is read-only."),
            ("max_identifier_length", "63", "integer", "Shows the maximum identifier length."),
            ("search_path", "\"$user\", public", "string", "Sets the schema search order for names that are not schema-qualified."),
            ("max_index_keys", "32", "integer", "Shows the maximum number of index keys."),
        ];
        return settings.Select(s => (IReadOnlyDictionary<string, string>)Row(("name", PgSql.Text(s.Name)), ("setting", PgSql.Text(s.Value)),
            ("category", "'Preset Options'"), ("short_desc", PgSql.Text(s.Description)), ("context", "'internal'"),
            ("vartype", PgSql.Text(s.Type)), ("source", "'default'"), ("boot_val", PgSql.Text(s.Value)),
            ("reset_val", PgSql.Text(s.Value)), ("pending_restart", "false"))).ToList();
    }

    /// <summary>15.18 → 150018, as server_version_num spells it.</summary>
    public static string ServerVersionNumber(string serverVersion)
    {
        var parts = serverVersion.Split('.');
        var major = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        var minor = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
        return PgSql.Number(major * 10000 + minor);
    }
}
