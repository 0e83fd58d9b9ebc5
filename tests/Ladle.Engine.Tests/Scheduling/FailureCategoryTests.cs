using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Ladle.Core.Errors;
using Ladle.Engine.Scheduling;
using Ladle.Engine.State;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Engine.Tests.Scheduling;

/// <summary>
/// A run's failure is retried by its category: a source that does not answer is waited out, a definition that is
/// wrong fails at once and says where. Against a real PostgreSQL (LADLE_TEST_PG) and a closed loopback port.
/// </summary>
public sealed class FailureCategoryTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static readonly DateTimeOffset Start = new(2030, 1, 7, 12, 3, 0, TimeSpan.Zero);

    /// <summary>A project whose source 'warehouse' is PostgreSQL at the given connection string.</summary>
    private static TestProject Project(string connectionString, string server)
    {
        var variable = "LADLE_TEST_PG_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, connectionString);
        var p = new TestProject("");
        p.Write("ladle.yaml", $"name: test\nserver:\n{server}\nsources:\n  warehouse:\n    kind: postgres\n    connection_env: {variable}\n");
        return p;
    }

    /// <summary>A loopback port nothing listens on: it was free a moment ago and is closed again.</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<List<VersionRecord>> VersionsAsync(LadleEngine engine, string dataset) =>
        (await engine.State.ListVersionsAsync(dataset, 100, CancellationToken.None)).ToList();

    [Fact]
    public async Task A_postgres_dataset_whose_sql_does_not_parse_fails_once_unretried_naming_the_dataset_and_its_file()
    {
        using var p = Project(pg.ConnectionString, "  run_retries: 3\n  retry_backoff: 1m");
        p.Dataset("orders", "source: warehouse\nsql: SELEC 1 AS id\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var run = scheduler.Request("orders", "api").Run;
            // Either it finished, or it waits to retry (what a syntax error must not do).
            await Eventually.True(() => run.Completion.IsCompleted || run.RetryAt is not null, "the run finished or waits to retry");
            Assert.Null(run.RetryAt);
            var result = await run.Completion;
            Assert.False(result.Published);
            Assert.Equal(RunStatus.Failed, result.Status);
            Assert.Equal(ErrorCategory.QueryFailed, result.Category);
            Assert.Equal(1, run.Attempts);
            Assert.StartsWith("dataset 'orders' (", result.Error, StringComparison.Ordinal);
            Assert.Contains("orders.yaml", result.Error, StringComparison.Ordinal);
            Assert.Contains("42601", result.Error, StringComparison.Ordinal);   // PostgreSQL's syntax_error, in its own words
            var version = Assert.Single(await VersionsAsync(engine, "orders"));
            Assert.Equal(VersionStatus.Failed, version.Status);
            Assert.Equal(result.Error, version.Error);
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_postgres_dataset_whose_error_check_fails_is_quarantined_once_unretried()
    {
        using var p = Project(pg.ConnectionString, "  run_retries: 3\n  retry_backoff: 1m");
        p.Dataset("orders", "source: warehouse\nsql: SELECT NULL::int AS id\nchecks:\n  - name: ids_present\n    type: not_null\n    column: id\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var run = scheduler.Request("orders", "api").Run;
            var result = await run.Completion;
            Assert.Equal(RunStatus.Quarantined, result.Status);
            Assert.Null(result.Category);
            Assert.Equal((1L, 1L), (result.Version, result.Rows));
            Assert.Equal("quarantined: 1 error check(s) failed: ids_present", result.Error);
            Assert.Equal(1, run.Attempts);
            Assert.Equal(VersionStatus.Quarantined, Assert.Single(await VersionsAsync(engine, "orders")).Status);
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Sql_over_datasets_that_does_not_bind_fails_once_unretried_naming_the_dataset_and_its_file()
    {
        using var p = new TestProject("");
        p.Write("ladle.yaml", "name: test\nserver:\n  run_retries: 3\nsources:\n  files:\n    kind: files\n    path: data\n");
        p.Write("data/orders.csv", "id,amount\n1,10\n");
        p.Dataset("orders", "source: files\ntable: orders.csv\n");
        p.Dataset("totals", "sql: select sum(no_such_column) as total from orders\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            Assert.True((await scheduler.Request("orders", "api").Run.Completion).Published);
            var run = scheduler.Request("totals", "api").Run;
            await Eventually.True(() => run.Completion.IsCompleted || run.RetryAt is not null, "the run finished or waits to retry");
            Assert.Null(run.RetryAt);
            var result = await run.Completion;
            Assert.False(result.Published);
            Assert.Equal(ErrorCategory.QueryFailed, result.Category);
            Assert.Equal(1, run.Attempts);
            Assert.StartsWith("dataset 'totals' (", result.Error, StringComparison.Ordinal);
            Assert.Contains("totals.yaml", result.Error, StringComparison.Ordinal);
            Assert.Contains("Binder Error", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_postgres_source_that_does_not_answer_is_retried_run_retries_times()
    {
        var closed = $"Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Database=postgres;Pooling=false;Timeout=5";
        using var p = Project(closed, "  run_retries: 2\n  retry_backoff: 1m");
        p.Dataset("orders", "source: warehouse\ntable: public.orders\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var run = scheduler.Request("orders", "api").Run;
            await Eventually.True(() => run.RetryAt == Start.AddMinutes(1), "the first retry is due after retry_backoff");
            time.Advance(TimeSpan.FromMinutes(1));
            await Eventually.True(() => run.RetryAt == Start.AddMinutes(1 + 2), "the second retry waits twice as long");
            time.Advance(TimeSpan.FromMinutes(2));
            var result = await run.Completion;
            Assert.False(result.Published);
            Assert.Equal(RunStatus.SourceUnavailable, result.Status);
            Assert.Equal(ErrorCategory.SourceUnavailable, result.Category);
            Assert.Contains("source 'warehouse' (postgres) is unreachable", result.Error, StringComparison.Ordinal);
            Assert.Equal(3, run.Attempts);
            Assert.Equal([VersionStatus.Failed, VersionStatus.Failed, VersionStatus.Failed],
                (await VersionsAsync(engine, "orders")).Select(v => v.Status));
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Every_Ladle_error_has_a_category_and_every_category_a_status_a_title_and_a_sqlstate()
    {
        var errors = new[] { typeof(LadleException).Assembly, typeof(LadleEngine).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsSubclassOf(typeof(LadleException)) && !t.IsAbstract)
            .ToList();
        Assert.Contains(typeof(StorageFullException), errors);
        foreach (var type in errors)
        {
            // The category is a constant of the type: read it without running a constructor.
            var error = (LadleException)RuntimeHelpers.GetUninitializedObject(type);
            Assert.True(Enum.IsDefined(error.Category), $"{type.Name} states no known category");
            Assert.NotEqual(ErrorCategory.Internal, error.Category);   // Internal is for what Ladle did not raise on purpose
        }
        foreach (var category in Enum.GetValues<ErrorCategory>())
        {
            var info = ErrorCategories.Of(category);
            Assert.Equal(category, info.Category);
            Assert.InRange(info.Status, 400, 599);
            Assert.InRange(info.RunStatus, 400, 599);
            Assert.Equal(category, ErrorCategories.FromSlug(info.Slug));
            Assert.False(string.IsNullOrWhiteSpace(info.Title));
            Assert.Matches(new Regex("^[a-z-]+$"), info.Slug);
            Assert.Matches(new Regex("^[0-9A-Z]{5}$"), info.SqlState);
        }
        // Waiting fixes only an unreachable source (and a rate limit, which clients wait out): nothing else is retried.
        Assert.Equal([ErrorCategory.RateLimited, ErrorCategory.SourceUnavailable],
            Enum.GetValues<ErrorCategory>().Where(c => c.IsTransient()).Order());
    }
}
