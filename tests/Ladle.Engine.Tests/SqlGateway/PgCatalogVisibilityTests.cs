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
}
