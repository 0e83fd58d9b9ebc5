using Ladle.Core.Loading;

namespace Ladle.Core.Tests;

public sealed class SqlReferencesTests
{
    [Fact]
    public void Tables_after_from_and_join_are_found_but_not_in_strings_or_comments()
    {
        var sql = """
            -- from ignored_comment
            select 'from ignored_string', o.*
            from main.orders o
            join "Customers" c on c.id = o.customer_id
            left join (select * from returns) r on r.order_id = o.id
            /* join also_ignored */
            """;
        Assert.Equal(["orders", "Customers", "returns"], SqlReferences.TablesReadBy(sql));
    }
}
