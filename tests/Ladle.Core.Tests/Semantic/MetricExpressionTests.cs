using Ladle.Core.Semantic;

namespace Ladle.Core.Tests.Semantic;

public sealed class MetricExpressionTests
{
    [Fact]
    public void Expressions_keep_precedence_and_every_division_is_safe()
    {
        Assert.True(MetricExpression.TryParse("(a - b) / b * 100 + -c", out var e, out _, out _));
        Assert.Equal(["a", "b", "c"], e!.Names);
        Assert.Equal("((((x(a) - x(b)) / NULLIF(x(b), 0)) * 100) + (-x(c)))", e.ToSql(n => $"x({n})"));
        Assert.True(MetricExpression.TryParse("round(coalesce(a, 0) / 3, 2)", out e, out _, out _));
        Assert.Equal("round((coalesce(x(a), 0) / NULLIF(3, 0)), 2)", e!.ToSql(n => $"x({n})"));
    }

    [Theory]
    [InlineData("a +", "the expression ends too early", 4)]
    [InlineData("a * (b", "expected ')'", 7)]
    [InlineData("a; drop table x", "unexpected ';'", 2)]
    [InlineData("a + ;", "unexpected ';' (expressions use metric names, numbers, + - * / and parentheses)", 5)]
    [InlineData("sqrt(a)", "unknown function 'sqrt' (functions: abs, coalesce, greatest, least, nullif, round)", 1)]
    [InlineData("a b", "unexpected 'b'", 3)]
    public void A_bad_expression_says_what_and_where(string text, string message, int at)
    {
        Assert.False(MetricExpression.TryParse(text, out _, out var error, out var errorAt));
        Assert.Equal(message, error);
        Assert.Equal(at, errorAt);
    }

    [Fact]
    public void Sql_snippets_may_name_only_their_datasets_columns()
    {
        string[] columns = ["amount", "status", "ordered_at", "day"];
        Assert.Empty(SqlSnippet.Check("status in ('a', 'b') and amount::double > 5 and extract(year from ordered_at) = 2026 and day is not null", columns).Problems);
        Assert.Equal(["status", "amount", "ordered_at", "day"], SqlSnippet.Check("status in ('a', 'b') and amount::double > 5 and extract(year from ordered_at) = 2026 and day is not null", columns).Columns);
        Assert.Equal("'stauts' is not a column of the dataset (did you mean 'status'?)", Assert.Single(SqlSnippet.Check("stauts = 'x'", columns).Problems).Message);
        Assert.Contains(SqlSnippet.Check("amount > (select max(amount) from orders)", columns).Problems, p => p.Message.StartsWith("'select' belongs in a query", StringComparison.Ordinal));
        Assert.Contains(SqlSnippet.Check("amount > 1; drop table x", columns).Problems, p => p.Message.StartsWith("';' ends a statement", StringComparison.Ordinal));
        Assert.Contains(SqlSnippet.Check("read_csv('/etc/passwd') is not null", columns).Problems, p => p.Message.Contains("reads outside the dataset", StringComparison.Ordinal));
        Assert.Equal(15, Assert.Single(SqlSnippet.Check("amount > 1 and wrong", columns).Problems).Offset);
    }
}
