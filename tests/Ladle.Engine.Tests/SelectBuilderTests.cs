using Ladle.Core.Model;
using Ladle.Core.Queries;
using Ladle.Core.Sql;
using Ladle.Engine.Sql;

namespace Ladle.Engine.Tests;

public sealed class SelectBuilderTests
{
    private static readonly DatasetSchema Schema = new([new SchemaColumn("id", LadleType.Integer), new SchemaColumn("na\"me", LadleType.String)]);

    [Fact]
    public void Values_are_parameters_and_names_are_quoted()
    {
        var query = new RowsQuery
        {
            Dataset = "t",
            Filters = [new Filter("na\"me", FilterOperator.Eq, ["x'; DROP TABLE t; --"]), new Filter("id", FilterOperator.In, [1L, 2L])],
        };
        var statement = SelectBuilder.Build(SqlDialect.Postgres, "\"t\"", Schema, query, []);
        Assert.Equal("SELECT \"id\", \"na\"\"me\" FROM \"t\" AS t WHERE \"na\"\"me\" = $1 AND \"id\" IN ($2, $3)", statement.Text);
        Assert.Equal(["x'; DROP TABLE t; --", 1L, 2L], statement.Parameters);
    }

    [Fact]
    public void Paged_queries_get_a_total_order_from_the_primary_key()
    {
        var query = new RowsQuery { Dataset = "t", Order = [new SortKey("na\"me", true)], Limit = 10, Offset = 20 };
        var statement = SelectBuilder.Build(SqlDialect.DuckDb, "x", Schema, query, ["id"]);
        Assert.EndsWith("ORDER BY \"na\"\"me\" DESC, \"id\" ASC LIMIT 10 OFFSET 20", statement.Text, StringComparison.Ordinal);
    }
}
