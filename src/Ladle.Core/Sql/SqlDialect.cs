using System.Globalization;
using Ladle.Core.Errors;
using Ladle.Core.Model;

namespace Ladle.Core.Sql;

/// <summary>
/// What differs between the SQL engines Ladle pushes queries into (the embedded DuckDB store, PostgreSQL, SQLite):
/// quoting, parameters, type names, masks, filters and row filters, time bucketing and aggregates. The rows builder,
/// the metric SQL writer and the check compiler all write through one instance of it, so a rule such as "values
/// are bound, never spliced" is written once. Another engine is one more subclass.
/// </summary>
public abstract partial class SqlDialect
{
    /// <summary>The embedded store, DuckDB files and files read by DuckDB.</summary>
    public static SqlDialect DuckDb { get; } = new DuckDbDialect();

    /// <summary>PostgreSQL sources.</summary>
    public static SqlDialect Postgres { get; } = new PostgresDialect();

    /// <summary>SQLite sources.</summary>
    public static SqlDialect Sqlite { get; } = new SqliteDialect();

    /// <summary>Functions the SQLite connector registers on each connection (SQLite has no SHA-256 or regex of its own).</summary>
    public const string SqliteSha256Hex = "ladle_sha256_hex", SqliteRegexFullMatch = "ladle_regex_full_match";

    /// <summary>The engine's name, as in logs and explain output (duckdb, postgres, sqlite).</summary>
    public abstract string Name { get; }

    /// <summary>The placeholder of the parameter at <paramref name="index"/> (0-based).</summary>
    public abstract string Placeholder(int index);

    /// <summary>The parameter name a connector binds for <paramref name="index"/> (matching <see cref="Placeholder"/>).</summary>
    public virtual string ParameterName(int index) => "p" + (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>Quotes an identifier so any name, even a keyword or a hostile string, is read as a name.</summary>
    public virtual string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Quotes a dotted name (schema.table) part by part.</summary>
    public string QuoteQualified(string name) => string.Join('.', name.Split('.').Select(Quote));

    /// <summary>A string literal; only for trusted text from the project (paths), never for request values.</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// One ORDER BY key. Nulls sort last in both directions, as in the embedded store: PostgreSQL (nulls first when
    /// descending) and SQLite (nulls first when ascending) would otherwise put other rows on a pushed-down page.
    /// </summary>
    public virtual string OrderKey(string expression, bool descending) => expression + (descending ? " DESC NULLS LAST" : " ASC NULLS LAST");

    /// <summary>The engine's type for a Ladle type, for CAST and CREATE TABLE.</summary>
    public abstract string TypeName(LadleType type);

    /// <summary>An expression cast to the engine's type for <paramref name="type"/>.</summary>
    public string Cast(string expression, LadleType type) => $"CAST({expression} AS {TypeName(type)})";

    /// <summary>
    /// The masked form of <paramref name="column"/> for a principal without PII clearance; <paramref name="key"/>
    /// is the placeholder of the bound hash key. The hash and partial forms give the same text in every engine, so
    /// a hashed key joins across sources.
    /// </summary>
    public virtual string Mask(MaskKind kind, string column, LadleType type, string key)
    {
        var text = Cast(column, LadleType.String);
        var at = Position(text, "'@'");
        return kind switch
        {
            MaskKind.Redact => Cast("NULL", type),
            MaskKind.Hash => $"CASE WHEN {column} IS NULL THEN NULL ELSE {Sha256Hex($"{Cast(key, LadleType.String)} || {text}")} END",
            MaskKind.Partial => $"CASE WHEN {column} IS NULL THEN NULL WHEN {at} > 1 THEN {Prefix(text, 1)} || '***' || substr({text}, {at}) ELSE {Prefix(text, 1)} || '***' END",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown mask"),
        };
    }

    /// <summary>The lowercase hexadecimal SHA-256 of a text expression's UTF-8 bytes.</summary>
    protected abstract string Sha256Hex(string text);

    /// <summary>The 1-based position of <paramref name="needle"/> in <paramref name="text"/>, 0 when absent.</summary>
    protected virtual string Position(string text, string needle) => $"strpos({text}, {needle})";

    /// <summary>The first <paramref name="length"/> characters of <paramref name="text"/>.</summary>
    protected virtual string Prefix(string text, int length) => $"left({text}, {length.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>A boolean expression: the whole text of <paramref name="expression"/> matches the pattern bound at <paramref name="pattern"/>.</summary>
    public virtual string RegexFullMatch(string expression, string pattern) =>
        throw new InvalidRequestException($"regular expressions cannot run in {Name}; check this dataset after materializing it (materialization: table)");

    /// <summary>Refuses what the engine cannot do in a metric query, naming the engine and a way out.</summary>
    protected InvalidRequestException Unsupported(string what) =>
        new($"{what} cannot run in {Name}; materialize the dataset (materialization: table) so metrics run in the embedded store");

    /// <inheritdoc/>
    public override string ToString() => Name;
}
