namespace Ladle.Engine.Tests.SqlGateway;

/// <summary>The catalog shows a principal exactly the datasets it may see, in every relation and function.</summary>
public sealed class PgCatalogVisibilityTests(CatalogProject catalog) : IClassFixture<CatalogProject>
{
    private List<string?[]> Rows(string sql, Ladle.Core.Policy.Principal principal) => catalog.Rewriter.Run(sql, principal).Rows;

    [Fact]
    public void Pg_class_lists_only_the_datasets_a_principal_may_see()
    {
        const string sql = "SELECT relname FROM pg_catalog.pg_class WHERE relkind = 'r' ORDER BY 1";
        Assert.Equal(["orders"], Rows(sql, CatalogProject.Seller).Select(r => r[0]));
        Assert.Equal(["orders", "salaries"], Rows(sql, CatalogProject.Admin).Select(r => r[0]));
    }

    [Fact]
    public void Information_schema_and_namespaces_show_only_the_visible_domains_tables_and_columns()
    {
        const string tables = "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2";
        Assert.Equal(["sales.orders"], Rows(tables, CatalogProject.Seller).Select(r => $"{r[0]}.{r[1]}"));
        Assert.Equal(["hr.salaries", "sales.orders"], Rows(tables, CatalogProject.Admin).Select(r => $"{r[0]}.{r[1]}"));
        const string columns = "SELECT DISTINCT table_name FROM information_schema.columns ORDER BY 1";
        Assert.Equal(["orders"], Rows(columns, CatalogProject.Seller).Select(r => r[0]));
        const string schemas = "SELECT nspname FROM pg_namespace ORDER BY 1";
        Assert.Equal(["information_schema", "pg_catalog", "public", "sales"], Rows(schemas, CatalogProject.Seller).Select(r => r[0]));
        Assert.Contains("hr", Rows(schemas, CatalogProject.Admin).Select(r => r[0]));
    }

    [Fact]
    public void Descriptions_of_an_unseen_dataset_are_nowhere_even_by_its_oid()
    {
        // The admin learns the hidden table's OID; the seller asking by that very OID learns nothing.
        var oid = Rows("SELECT oid FROM pg_class WHERE relname = 'salaries'", CatalogProject.Admin).Single()[0];
        Assert.Equal("Pay per employee", Rows($"SELECT obj_description({oid}, 'pg_class')", CatalogProject.Admin).Single()[0]);
        Assert.Equal("Yearly gross pay", Rows($"SELECT col_description({oid}, 2)", CatalogProject.Admin).Single()[0]);
        Assert.Null(Rows($"SELECT obj_description({oid}, 'pg_class')", CatalogProject.Seller).Single()[0]);
        Assert.Null(Rows($"SELECT col_description({oid}, 2)", CatalogProject.Seller).Single()[0]);
        Assert.Empty(Rows("SELECT description FROM pg_description WHERE description LIKE '%pay%'", CatalogProject.Seller));
        Assert.Equal(["One row per order", "Order total in EUR"],
            Rows("SELECT description FROM pg_description ORDER BY 1", CatalogProject.Seller).Select(r => r[0]));
        Assert.Null(Rows("SELECT to_regclass('salaries')", CatalogProject.Seller).Single()[0]);
        Assert.Equal(oid, Rows("SELECT 'hr.salaries'::regclass", CatalogProject.Admin).Single()[0]);
        Assert.Equal(["ana"], Rows("SELECT rolname FROM pg_roles", CatalogProject.Seller).Select(r => r[0]));
    }

    [Fact]
    public void Oids_are_the_same_for_every_principal_and_every_catalog_built_from_the_project()
    {
        const string sql = "SELECT oid FROM pg_class WHERE relname = 'orders'";
        var seller = Rows(sql, CatalogProject.Seller).Single()[0];
        Assert.Equal(seller, Rows(sql, CatalogProject.Admin).Single()[0]);
        var again = new Ladle.Engine.SqlGateway.Catalog.PgCatalog(catalog.Project, catalog.Policy);
        Assert.Equal(new CatalogRewriter(catalog.Connection, again).Run(sql, CatalogProject.Seller).Rows.Single()[0], seller);
        Assert.True(long.Parse(seller!, System.Globalization.CultureInfo.InvariantCulture) >= 1L << 30);
    }

    [Fact]
    public void Functions_and_casts_answer_as_postgresql_does()
    {
        var row = Rows("""
            SELECT version(), current_database(), session_user(), format_type(1700, 2490382), format_type(1043, 36),
                   format_type(1114, -1), format_type(1007, -1), 23::regtype, pg_get_userbyid(relowner), c.oid::regclass,
                   pg_encoding_to_char(6), quote_ident('Orders'), 'orders'::regclass = c.oid, has_table_privilege(c.oid, 'SELECT')
            FROM pg_class c WHERE relname = 'orders'
            """, CatalogProject.Seller).Single();
        Assert.StartsWith("PostgreSQL 15.18 (Ladle ", row[0]);
        Assert.Equal(["test", "ana", "numeric(38,10)", "character varying(32)", "timestamp without time zone", "integer[]", "integer",
            "sales-team", "orders", "UTF8", "\"Orders\"", "t", "t"], row[1..].Select(v => v ?? "NULL"));
    }
}
