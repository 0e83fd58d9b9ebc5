using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Queries;

namespace Ladle.Core.Tests;

public sealed class RowsRequestParserTests
{
    private static readonly DatasetSchema Schema = new([
        new SchemaColumn("order_id", LadleType.Integer),
        new SchemaColumn("region", LadleType.String),
        new SchemaColumn("amount", LadleType.Decimal),
        new SchemaColumn("paid", LadleType.Boolean),
        new SchemaColumn("ordered_on", LadleType.Date),
        new SchemaColumn("ordered_at", LadleType.Timestamp),
        new SchemaColumn("score", LadleType.Double),
    ]);

    private static RowsQuery Parse(string? columns = null, string[]? filters = null, string? order = null, string? limit = null, string? cursor = null) =>
        RowsRequestParser.Parse("orders", Schema, columns, filters ?? [], order, limit, cursor, 1000);

    private static InvalidRequestException Bad(Func<RowsQuery> parse) => Assert.Throws<InvalidRequestException>(() => parse());

    [Theory]
    [InlineData("order_id:eq:42", FilterOperator.Eq, 42L)]
    [InlineData("amount:ge:12.50", FilterOperator.Ge, "12.50")]
    [InlineData("paid:ne:true", FilterOperator.Ne, true)]
    [InlineData("region:like:EU%", FilterOperator.Like, "EU%")]
    [InlineData("score:lt:-0.5", FilterOperator.Lt, -0.5)]
    public void Filters_are_typed_by_the_column(string text, FilterOperator op, object expected)
    {
        var filter = Assert.Single(Parse(filters: [text]).Filters);
        Assert.Equal(op, filter.Operator);
        Assert.Equal(Convert.ToString(expected, System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToString(filter.Values[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Schema.Find(filter.Column)!.Type switch
        {
            LadleType.Integer => typeof(long),
            LadleType.Decimal => typeof(decimal),
            LadleType.Boolean => typeof(bool),
            LadleType.Double => typeof(double),
            _ => typeof(string),
        }, filter.Values[0].GetType());
    }

    [Fact]
    public void Timestamps_keep_their_colons_and_convert_to_utc()
    {
        var filter = Assert.Single(Parse(filters: ["ordered_at:gt:2026-03-29T02:30:00+02:00"]).Filters);
        Assert.Equal(new DateTime(2026, 3, 29, 0, 30, 0), filter.Values[0]);
    }

    [Fact]
    public void In_and_between_split_on_commas_with_backslash_escapes()
    {
        var q = Parse(filters: ["region:in:EU,US\\,CA,APAC", "ordered_on:between:2026-01-01,2026-01-31", "region:isnull", "amount:notnull"]);
        Assert.Equal(["EU", "US,CA", "APAC"], q.Filters[0].Values.Cast<string>());
        Assert.Equal([new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 31)], q.Filters[1].Values.Cast<DateOnly>());
        Assert.Empty(q.Filters[2].Values);
    }

    [Theory]
    [InlineData("order_id:eq:forty-two", "not a valid integer")]
    [InlineData("order_id:gte:1", "unknown operator 'gte'")]
    [InlineData("order_id", "is not column:operator:value")]
    [InlineData("ordered_on:eq:01/02/2026", "expected a date as yyyy-MM-dd")]
    [InlineData("paid:lt:true", "does not apply to boolean")]
    [InlineData("amount:like:1%", "like applies to string columns")]
    [InlineData("ordered_on:between:2026-01-01", "between takes two")]
    [InlineData("region:isnull:x", "takes no value")]
    [InlineData("score:eq:NaN", "not a valid double")]
    [InlineData("order_id:eq", "needs a value")]
    public void Bad_filters_say_what_is_wrong(string text, string message)
    {
        var e = Bad(() => Parse(filters: [text]));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal("filter", e.Parameter);
    }

    [Fact]
    public void Unknown_operator_lists_the_operators()
    {
        var e = Bad(() => Parse(filters: ["order_id:contains:1"]));
        Assert.Contains(RowsRequestParser.Operators, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("order_id,\"region\"")]
    [InlineData("order_id; DROP TABLE orders")]
    [InlineData("region) FROM x --")]
    public void Column_names_that_are_not_columns_are_rejected_before_any_sql(string columns)
    {
        var e = Bad(() => Parse(columns: columns));
        Assert.Equal("columns", e.Parameter);
    }

    [Fact]
    public void Unknown_column_suggests_the_closest()
    {
        var e = Bad(() => Parse(filters: ["regoin:eq:EU"]));
        Assert.Contains("did you mean 'region'?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Order_and_limit_are_checked()
    {
        var q = Parse(order: "amount:desc,order_id", limit: "10");
        Assert.Equal([new SortKey("amount", true), new SortKey("order_id", false)], q.Order);
        Assert.Equal(10, q.Limit);
        Assert.Contains("column:asc or column:desc", Bad(() => Parse(order: "amount:down")).Message, StringComparison.Ordinal);
        Assert.Equal("limit", Bad(() => Parse(limit: "-1")).Parameter);
        Assert.Contains("largest page", Bad(() => Parse(limit: "1001")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cursor_round_trips_and_is_bound_to_its_query()
    {
        var first = Parse(filters: ["region:eq:EU"], limit: "10");
        var cursor = new Cursor(7, 10, Cursor.Hash(first)).Encode();
        var next = Parse(filters: ["region:eq:EU"], limit: "10", cursor: cursor);
        Assert.Equal(10, next.Offset);
        Assert.Equal(7, next.PinnedVersion);
        Assert.Contains("different query", Bad(() => Parse(filters: ["region:eq:US"], limit: "10", cursor: cursor)).Message, StringComparison.Ordinal);
        Assert.Equal("cursor", Bad(() => Parse(cursor: "not-a-cursor!")).Parameter);
    }
}
