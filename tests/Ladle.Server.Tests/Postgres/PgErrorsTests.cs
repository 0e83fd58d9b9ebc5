using Ladle.Core.Errors;
using Ladle.Protocol.Postgres;
using Ladle.Server.Postgres;

namespace Ladle.Server.Tests.Postgres;

/// <summary>The one mapping from a failure to an ErrorResponse: SQLSTATE by Ladle's error category, refined by the engine's class.</summary>
public sealed class PgErrorsTests
{
    public static TheoryData<Exception, string> Cases => new()
    {
        { new InvalidRequestException("bad filter", "filter"), "22023" },
        { new InvalidRequestException("Parser Error: syntax error at or near \"FORM\"", "sql"), "42601" },
        { new NotFoundException("no dataset 'x'"), "42P01" },
        { new ForbiddenException("principal 'bob' may not read 'orders'"), "42501" },
        { new UnauthorizedException("no token"), "28000" },
        { new SourceUnavailableException("warehouse", "source 'warehouse' failed: connection refused"), "08006" },
        { new StatementTimeoutException(TimeSpan.FromSeconds(30)), "57014" },
        { new RateLimitedException("too many rows", TimeSpan.FromSeconds(1)), "53300" },
        { new QueryFailedException("source 'store' refused the query: Catalog Error: Table with name nope does not exist!"), "42P01" },
        { new QueryFailedException("the read failed: Binder Error: Referenced column \"x\" not found in FROM clause!"), "42703" },
        { new QueryFailedException("the read failed: Conversion Error: Could not convert string to INT32"), "22P02" },
        { new QueryFailedException("reading dataset 'orders' failed"), "42000" },
        { new OperationCanceledException(), "57014" },
        { new PgProtocolException("08P01", "invalid message length"), "08P01" },
        { new InvalidOperationException("secret internals at row 42"), "XX000" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_failure_gets_the_sqlstate_of_its_category(Exception error, string sqlState) =>
        Assert.Equal(sqlState, PgErrors.Of(error).SqlState);

    [Fact]
    public void Category_sqlstates_come_from_the_one_error_table()
    {
        foreach (var category in Enum.GetValues<ErrorCategory>())
        {
            if (category == ErrorCategory.QueryFailed) continue;
            Assert.Equal(ErrorCategories.Of(category).SqlState, PgErrors.SqlStateOf(new CategoryError(category)));
        }
    }

    [Fact]
    public void An_unexpected_error_is_answered_without_its_internals()
    {
        var fields = PgErrors.Of(new InvalidOperationException("secret internals at row 42"));
        Assert.Equal("ERROR", fields.Severity);
        Assert.DoesNotContain("secret", fields.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_statement_timeout_and_a_cancel_say_which_stopped_the_statement()
    {
        Assert.Contains("statement timeout", PgErrors.Of(new OperationCanceledException(), timedOut: true).Message, StringComparison.Ordinal);
        Assert.Contains("user request", PgErrors.Of(new OperationCanceledException()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_frame_is_fatal()
    {
        var fields = PgErrors.Of(new PgProtocolException(PgSqlState.ProtocolViolation, "invalid frontend message type 0x00"));
        Assert.Equal("FATAL", fields.Severity);
    }

    private sealed class CategoryError(ErrorCategory category) : LadleException("error of one category")
    {
        public override string Kind => "test";
        public override ErrorCategory Category => category;
    }
}
