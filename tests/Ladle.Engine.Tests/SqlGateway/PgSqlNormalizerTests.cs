using Ladle.Engine.SqlGateway.Catalog;

namespace Ladle.Engine.Tests.SqlGateway;

/// <summary>PostgreSQL spellings DuckDB's parser refuses are rewritten; literals, quoted names and comments never are.</summary>
public sealed class PgSqlNormalizerTests
{
    [Theory]
    [InlineData("WHERE c.relname OPERATOR(pg_catalog.~) '^(orders)$' COLLATE pg_catalog.default",
        "WHERE c.relname  ~ '(?s:.*)(?:^(orders)$)(?s:.*)'")]
    [InlineData("SELECT x::pg_catalog.regtype::pg_catalog.text", "SELECT x::regtype::text")]
    [InlineData("SELECT CAST(x AS pg_catalog.int4)", "SELECT CAST(x AS int4)")]
    [InlineData("WHERE a.attrelid = 'sales.orders'::regclass", "WHERE a.attrelid = pg_catalog.to_regclass('sales.orders')")]
    [InlineData("SELECT a COLLATE \"C\", b COLLATE \"de_DE\"", "SELECT a, b COLLATE \"de_DE\"")]
    [InlineData("WHERE n.nspname !~ '^pg_' AND x ~~ 'a%'", "WHERE n.nspname !~ '(?s:.*)(?:^pg_)(?s:.*)' AND x ~~ 'a%'")]
    [InlineData("SELECT NULL AS TABLE_CAT, r.KEY_SEQ, pg_catalog.FORMAT_TYPE(x, y) FROM (SELECT 1 AS Key_Seq) AS R, t AS \"Keep\"",
        "SELECT NULL AS table_cat, r.key_seq, pg_catalog.FORMAT_TYPE(x, y) FROM (SELECT 1 AS key_seq) AS r, t AS \"Keep\"")]
    public void Postgresql_spellings_become_duckdb_ones(string sql, string expected) =>
        Assert.Equal(expected, PgSqlNormalizer.Normalize(sql));

    [Theory]
    [InlineData("SELECT 'OPERATOR(pg_catalog.~) COLLATE pg_catalog.default ''x''::regclass'")]
    [InlineData("SELECT \"OPERATOR(pg_catalog.~)\" FROM t")]
    [InlineData("SELECT 1 -- don't OPERATOR(pg_catalog.~) 'x'::regclass\nFROM t")]
    [InlineData("SELECT /* it's /* nested */ ::pg_catalog.text */ 1")]
    [InlineData("SELECT $tag$ it's OPERATOR(pg_catalog.~) $tag$, E'\\' ::pg_catalog.text'")]
    public void Literals_quoted_names_and_comments_are_left_alone(string sql) =>
        Assert.Equal(sql, PgSqlNormalizer.Normalize(sql));
}
