using Ladle.Core.Model;

namespace Ladle.Engine.Sql;

/// <summary>What differs between the SQL engines Ladle pushes queries into; another engine is a new subclass.</summary>
public abstract class SqlDialect
{
    /// <summary>The name used in logs and explain output.</summary>
    public abstract string Name { get; }

    /// <summary>The placeholder of the parameter at <paramref name="index"/> (0-based).</summary>
    public abstract string Placeholder(int index);

    /// <summary>The parameter name a connector binds for <paramref name="index"/> (matching <see cref="Placeholder"/>).</summary>
    public virtual string ParameterName(int index) => "p" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Quotes an identifier so any name, even a keyword or a hostile string, is read as a name.</summary>
    public virtual string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Quotes a dotted name (schema.table) part by part.</summary>
    public string QuoteQualified(string name) => string.Join('.', name.Split('.').Select(Quote));

    /// <summary>A string literal; only for trusted text from the project (paths), never for request values.</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>The engine's type for a Ladle type, for CAST and CREATE TABLE.</summary>
    public abstract string TypeName(LadleType type);

    /// <summary>The masked form of a column for a principal without PII clearance; <paramref name="key"/> is the bound hash key.</summary>
    public virtual string Mask(MaskKind kind, string column, LadleType type, string key) => kind switch
    {
        MaskKind.Redact => $"CAST(NULL AS {TypeName(type)})",
        _ => throw new Core.Errors.InvalidRequestException($"{Name} cannot mask columns by {kind.ToString().ToLowerInvariant()}; materialize the dataset (materialization: table) so the store masks it"),
    };

    /// <summary>A boolean expression: the whole text of <paramref name="expression"/> matches the pattern bound at <paramref name="pattern"/>.</summary>
    public virtual string RegexFullMatch(string expression, string pattern) =>
        throw new Core.Errors.InvalidRequestException($"regular expressions cannot run in {Name}; check this dataset after materializing it (materialization: table)");

    /// <summary>Functions the SQLite connector registers on each connection (SQLite has no SHA-256 or regex of its own).</summary>
    internal const string SqliteSha256Hex = "ladle_sha256_hex", SqliteRegexFullMatch = "ladle_regex_full_match";

    public static SqlDialect DuckDb { get; } = new DuckDbDialect();
    public static SqlDialect Postgres { get; } = new PostgresDialect();
    public static SqlDialect Sqlite { get; } = new SqliteDialect();

    private sealed class DuckDbDialect : SqlDialect
    {
        public override string Name => "duckdb";
        public override string Placeholder(int index) => "$" + ParameterName(index);
        public override string TypeName(LadleType type) => type switch
        {
            LadleType.String => "VARCHAR",
            LadleType.Integer => "BIGINT",
            LadleType.Double => "DOUBLE",
            LadleType.Decimal => "DECIMAL(38,10)",
            LadleType.Boolean => "BOOLEAN",
            LadleType.Date => "DATE",
            LadleType.Timestamp => "TIMESTAMP",
            _ => "VARCHAR",
        };

        public override string RegexFullMatch(string expression, string pattern) => $"regexp_full_match(CAST({expression} AS VARCHAR), {pattern})";

        public override string Mask(MaskKind kind, string column, LadleType type, string key) => kind switch
        {
            MaskKind.Hash => $"CASE WHEN {column} IS NULL THEN NULL ELSE sha256({key} || CAST({column} AS VARCHAR)) END",
            MaskKind.Partial => $"CASE WHEN {column} IS NULL THEN NULL WHEN strpos(CAST({column} AS VARCHAR), '@') > 1 THEN left(CAST({column} AS VARCHAR), 1) || '***' || substr(CAST({column} AS VARCHAR), strpos(CAST({column} AS VARCHAR), '@')) ELSE left(CAST({column} AS VARCHAR), 1) || '***' END",
            _ => base.Mask(kind, column, type, key),
        };
    }

    private sealed class PostgresDialect : SqlDialect
    {
        public override string Name => "postgres";
        public override string Placeholder(int index) => "$" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        public override string ParameterName(int index) => "";
        public override string TypeName(LadleType type) => type switch
        {
            LadleType.String => "text",
            LadleType.Integer => "bigint",
            LadleType.Double => "double precision",
            LadleType.Decimal => "numeric",
            LadleType.Boolean => "boolean",
            LadleType.Date => "date",
            LadleType.Timestamp => "timestamp",
            _ => "text",
        };

        public override string RegexFullMatch(string expression, string pattern) => $"CAST({expression} AS text) ~ ('^(?:' || {pattern} || ')$')";

        public override string Mask(MaskKind kind, string column, LadleType type, string key) => kind switch
        {
            MaskKind.Hash => $"CASE WHEN {column} IS NULL THEN NULL ELSE encode(sha256(convert_to(CAST({key} AS text) || CAST({column} AS text), 'UTF8')), 'hex') END",
            MaskKind.Partial => $"CASE WHEN {column} IS NULL THEN NULL WHEN strpos(CAST({column} AS text), '@') > 1 THEN left(CAST({column} AS text), 1) || '***' || substr(CAST({column} AS text), strpos(CAST({column} AS text), '@')) ELSE left(CAST({column} AS text), 1) || '***' END",
            _ => base.Mask(kind, column, type, key),
        };
    }

    private sealed class SqliteDialect : SqlDialect
    {
        public override string Name => "sqlite";

        public override string RegexFullMatch(string expression, string pattern) => $"{SqliteRegexFullMatch}(CAST({expression} AS TEXT), {pattern})";

        // The same text as DuckDB's and PostgreSQL's masks, so a hashed key joins across sources.
        public override string Mask(MaskKind kind, string column, LadleType type, string key) => kind switch
        {
            MaskKind.Hash => $"CASE WHEN {column} IS NULL THEN NULL ELSE {SqliteSha256Hex}(CAST({key} AS TEXT) || CAST({column} AS TEXT)) END",
            MaskKind.Partial => $"CASE WHEN {column} IS NULL THEN NULL WHEN instr(CAST({column} AS TEXT), '@') > 1 THEN substr(CAST({column} AS TEXT), 1, 1) || '***' || substr(CAST({column} AS TEXT), instr(CAST({column} AS TEXT), '@')) ELSE substr(CAST({column} AS TEXT), 1, 1) || '***' END",
            _ => base.Mask(kind, column, type, key),
        };

        public override string Placeholder(int index) => "$" + ParameterName(index);
        public override string TypeName(LadleType type) => type switch
        {
            LadleType.Integer or LadleType.Boolean => "INTEGER",
            LadleType.Double => "REAL",
            LadleType.Decimal => "NUMERIC",
            _ => "TEXT",
        };
    }
}
