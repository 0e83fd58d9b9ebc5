using Ladle.Engine.Scheduling;
using Ladle.Engine.State;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Engine.Tests.Scheduling;

public sealed class SchedulerTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 7, 12, 3, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int hour, int minute) => new(2030, 1, 7, hour, minute, 0, TimeSpan.Zero);

    /// <summary>A project with a files source and a SQLite source at data/crm.sqlite (which may not exist yet).</summary>
    private static TestProject Project(string server = "")
    {
        var p = new TestProject("");
        p.Write("ladle.yaml", $"""
            name: test
            server:
              retain_versions: 2
            {server}
            sources:
              files:
                kind: files
                path: data
              crm:
                kind: sqlite
                path: data/crm.sqlite

            """);
        return p;
    }

    private static void WriteOrders(TestProject p, int rows) =>
        p.Write("data/orders.csv", "id,amount\n" + string.Concat(Enumerable.Range(1, rows).Select(i => $"{i},{i % 50}\n")));

    private static void CreateItems(TestProject p, int rows)
    {
        using var connection = new SqliteConnection($"Data Source={p.PathOf("data/crm.sqlite")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) INSERT INTO items SELECT i, 'item ' || i FROM n;
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Holds SQLite's exclusive lock on the file: a run reading it waits (busy) until this is disposed.</summary>
    private static SqliteConnection LockExclusively(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "BEGIN EXCLUSIVE";
        command.ExecuteNonQuery();
        return connection;
    }

    private static async Task<List<VersionRecord>> VersionsAsync(LadleEngine engine, string dataset) =>
        (await engine.State.ListVersionsAsync(dataset, 100, CancellationToken.None)).OrderBy(v => v.Version).ToList();

    private static Task SleepsUntil(DatasetScheduler scheduler, DateTimeOffset at) =>
        Eventually.True(() => scheduler.SleepingUntil == at, $"the schedule loop sleeps until {at:HH:mm}");

    [Fact]
    public async Task Datasets_due_at_the_same_minute_run_on_schedule_inputs_first()
    {
        using var p = Project();
        WriteOrders(p, 100);
        p.Dataset("orders", "source: files\ntable: orders.csv\nschedule: '*/5 * * * *'\n");
        // Named to sort before its input: the order comes from the dependency, not the name.
        p.Dataset("a_summary", "sql: select count(*) as n from orders\nschedule: '*/5 * * * *'\n");
        p.Dataset("hourly", "source: files\ntable: orders.csv\nschedule: '0 * * * *'\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            await SleepsUntil(scheduler, At(12, 5));
            Assert.Empty(await VersionsAsync(engine, "orders"));

            time.Advance(TimeSpan.FromMinutes(2));
            await Eventually.True(async () => (await VersionsAsync(engine, "a_summary")).Any(v => v.Status != VersionStatus.Building), "a_summary ran");
            // The state store records a publication a moment before the catalog serves it: wait for the run's end.
            await Eventually.True(() => scheduler.InFlight().Count == 0, "the scheduled runs are over");

            var orders = Assert.Single(await VersionsAsync(engine, "orders"));
            var summary = Assert.Single(await VersionsAsync(engine, "a_summary"));
            Assert.Equal(VersionStatus.Published, orders.Status);
            Assert.Equal(VersionStatus.Published, summary.Status);
            Assert.Equal("schedule", orders.Trigger);
            Assert.Equal("schedule", summary.Trigger);
            Assert.True(summary.StartedAt >= orders.PublishedAt, "a_summary began before its input was published");
            Assert.Equal([100L], Assert.Single(await TestProject.RowsAsync(engine, "a_summary")));
            Assert.Empty(await VersionsAsync(engine, "hourly"));
            await SleepsUntil(scheduler, At(12, 10));
            Assert.Equal(At(12, 10), scheduler.NextRunAt("orders"));
            Assert.Equal(At(13, 0), scheduler.NextRunAt("hourly"));
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_run_due_while_one_is_building_is_coalesced_and_a_refresh_queues_exactly_one_run_behind_it()
    {
        using var p = Project();
        CreateItems(p, 10);
        p.Dataset("items", "source: crm\ntable: items\nschedule: '* * * * *'\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        var hold = LockExclusively(p.PathOf("data/crm.sqlite"));
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            await SleepsUntil(scheduler, At(12, 4));
            time.Advance(TimeSpan.FromMinutes(1));
            var first = await Eventually.Value(() => scheduler.InFlight().SingleOrDefault(r => r.Building), "the scheduled run builds");
            await Eventually.True(async () => (await VersionsAsync(engine, "items")).Any(v => v.Status == VersionStatus.Building), "version 1 is building");

            // Due again while version 1 is still building (the source is locked): the tick joins the run under way.
            await SleepsUntil(scheduler, At(12, 5));
            time.Advance(TimeSpan.FromMinutes(1));
            await SleepsUntil(scheduler, At(12, 6));
            Assert.Same(first, Assert.Single(scheduler.InFlight()));

            // A refresh wants data read after it was asked for: one run queued behind, and a second refresh joins that.
            var refresh = scheduler.Request("items", "api");
            Assert.False(refresh.Coalesced);
            Assert.NotSame(first, refresh.Run);
            var again = scheduler.Request("items", "api");
            Assert.True(again.Coalesced);
            Assert.Same(refresh.Run, again.Run);
            Assert.Equal(2, scheduler.InFlight().Count);

            hold.Dispose();
            var one = await first.Completion;
            var two = await refresh.Run.Completion;
            Assert.True(one.Published, one.Error);
            Assert.True(two.Published, two.Error);
            Assert.Equal(1, one.Version);
            Assert.Equal(2, two.Version);
            var versions = await VersionsAsync(engine, "items");
            Assert.Equal(["schedule", "api"], versions.Select(v => v.Trigger));
            Assert.True(versions[1].StartedAt >= versions[0].FinishedAt, "the runs overlapped");
            await Eventually.True(() => scheduler.InFlight().Count == 0, "the queue is empty");
        }
        finally
        {
            hold.Dispose();
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Source_errors_are_retried_with_exponential_backoff_each_retry_a_new_attempt()
    {
        using var p = Project("  run_retries: 3\n  retry_backoff: 30s");
        p.Dataset("items", "source: crm\ntable: items\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            // The source's file does not exist yet: the first attempt fails at the source.
            var run = scheduler.Request("items", "api").Run;
            await Eventually.True(() => run.RetryAt == Start.AddSeconds(30), "a retry is due 30s after the first failure");
            var first = Assert.Single(await VersionsAsync(engine, "items"));
            Assert.Equal(VersionStatus.Failed, first.Status);
            Assert.Contains("does not exist", first.Error, StringComparison.Ordinal);

            time.Advance(TimeSpan.FromSeconds(30));
            await Eventually.True(() => run.RetryAt == Start.AddSeconds(30 + 60), "the second retry waits twice as long");
            Assert.Equal(2, run.Attempts);
            Assert.Equal(2, (await VersionsAsync(engine, "items")).Count);

            CreateItems(p, 5);
            time.Advance(TimeSpan.FromSeconds(60));
            var result = await run.Completion;
            Assert.True(result.Published, result.Error);
            Assert.Equal(3, result.Version);
            Assert.Equal(5, result.Rows);
            Assert.Equal(3, run.Attempts);
            var versions = await VersionsAsync(engine, "items");
            Assert.Equal([VersionStatus.Failed, VersionStatus.Failed, VersionStatus.Published], versions.Select(v => v.Status));
            Assert.All(versions, v => Assert.Equal("api", v.Trigger));
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_run_gives_up_after_run_retries_and_reports_the_source_error()
    {
        using var p = Project("  run_retries: 1\n  retry_backoff: 1m");
        p.Dataset("items", "source: crm\ntable: items\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var run = scheduler.Request("items", "api").Run;
            await Eventually.True(() => run.RetryAt == Start.AddMinutes(1), "a retry is due after retry_backoff");
            time.Advance(TimeSpan.FromMinutes(1));
            var result = await run.Completion;
            Assert.False(result.Published);
            Assert.Equal(RunStatus.SourceUnavailable, result.Status);
            Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
            Assert.Equal(2, run.Attempts);
            Assert.Null(run.RetryAt);
            Assert.Equal([VersionStatus.Failed, VersionStatus.Failed], (await VersionsAsync(engine, "items")).Select(v => v.Status));
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Quarantines_and_build_errors_are_not_retried()
    {
        using var p = Project("  run_retries: 3");
        p.Write("data/orders.csv", "id,amount\n1,10\n,20\n");
        p.Dataset("orders", "source: files\ntable: orders.csv\nchecks:\n  - type: not_null\n    column: id\n");
        p.Dataset("typed", "source: files\ntable: orders.csv\ncolumns:\n  - name: id\n    type: integer\n  - name: price\n    type: decimal\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var quarantine = scheduler.Request("orders", "api").Run;
            var broken = scheduler.Request("typed", "api").Run;
            var quarantined = await quarantine.Completion;
            var failed = await broken.Completion;

            Assert.True(quarantined.Quarantined);
            Assert.Contains("1 error check(s) failed: ", quarantined.Error, StringComparison.Ordinal);
            Assert.Contains("not_null", quarantined.Error, StringComparison.Ordinal);
            Assert.Equal(RunStatus.Quarantined, quarantined.Status);
            Assert.Equal(1, quarantine.Attempts);
            Assert.Equal(VersionStatus.Quarantined, Assert.Single(await VersionsAsync(engine, "orders")).Status);

            Assert.False(failed.Published);
            Assert.Equal(RunStatus.Failed, failed.Status);
            Assert.Contains("'price'", failed.Error, StringComparison.Ordinal);
            Assert.Equal(1, broken.Attempts);
            Assert.Equal(VersionStatus.Failed, Assert.Single(await VersionsAsync(engine, "typed")).Status);
            await Eventually.True(() => scheduler.InFlight().Count == 0, "nothing waits to retry");
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Publishing_a_dataset_rebuilds_its_unscheduled_dependents_after_it()
    {
        using var p = Project();
        WriteOrders(p, 100);
        p.Dataset("orders", "source: files\ntable: orders.csv\n");
        p.Dataset("summary", "sql: select count(*) as n, sum(amount) as total from orders\n");
        p.Dataset("top", "sql: select n from summary\n");
        p.Dataset("own_schedule", "sql: select count(*) as n from orders\nschedule: '0 0 1 1 *'\n");
        // Real time: the datasets are published now, and a clock years away would count the yearly run as missed.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await p.OpenAsync();
        Assert.All(await engine.Publisher.MaterializeAsync([], "cli", null, CancellationToken.None), r => Assert.True(r.Published, r.Error));
        WriteOrders(p, 200);
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            var orders = await scheduler.Request("orders", "api").Run.Completion;
            Assert.True(orders.Published, orders.Error);
            await Eventually.True(async () => (await VersionsAsync(engine, "top")).Any(v => v.Version == 2 && v.Status != VersionStatus.Building), "top was rebuilt");
            await Eventually.True(() => engine.Catalog.Current("top")?.Version == 2, "top's version 2 is served");

            var summary = (await VersionsAsync(engine, "summary")).Last();
            var top = (await VersionsAsync(engine, "top")).Last();
            Assert.Equal((2L, VersionStatus.Published, "cascade"), (summary.Version, summary.Status, summary.Trigger));
            Assert.Equal((2L, VersionStatus.Published, "cascade"), (top.Version, top.Status, top.Trigger));
            var ordersV2 = (await VersionsAsync(engine, "orders")).Last();
            Assert.True(summary.StartedAt >= ordersV2.PublishedAt, "summary was rebuilt before its input published");
            Assert.True(top.StartedAt >= summary.PublishedAt, "top was rebuilt before its input published");
            Assert.Equal([200L], Assert.Single(await TestProject.RowsAsync(engine, "top")));
            // A dependent with a schedule of its own keeps to it.
            Assert.Equal([1L], (await VersionsAsync(engine, "own_schedule")).Select(v => v.Version));
            await Eventually.True(() => scheduler.InFlight().Count == 0, "the cascade is over");
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_input_that_fails_skips_the_runs_waiting_on_it()
    {
        using var p = Project("  run_retries: 0");
        p.Dataset("items", "source: crm\ntable: items\n");
        p.Dataset("item_count", "sql: select count(*) as n from items\n");
        var time = new FakeTimeProvider(Start);
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            // item_count's input was never published, so the request builds it first; its source is missing.
            var runs = scheduler.Request(["item_count"], "api");
            Assert.Equal(["items", "item_count"], runs.Select(r => r.Run.Dataset));
            var skipped = await runs[1].Run.Completion;
            Assert.False(skipped.Published);
            Assert.Equal("skipped: its dependency 'items' failed to materialize", skipped.Error);
            Assert.Equal(0, runs[1].Run.Attempts);
            Assert.Empty(await VersionsAsync(engine, "item_count"));
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_run_missed_while_ladle_was_stopped_runs_once_at_start()
    {
        using var p = Project();
        WriteOrders(p, 10);
        p.Dataset("orders", "source: files\ntable: orders.csv\nschedule: '0 * * * *'\n");
        p.Dataset("yearly", "source: files\ntable: orders.csv\nschedule: '0 0 1 1 *'\n");
        await using var engine = await p.OpenAsync();
        Assert.All(await engine.Publisher.MaterializeAsync([], "cli", null, CancellationToken.None), r => Assert.True(r.Published, r.Error));

        // Two hours later: the hourly schedule came due while nothing ran.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(2));
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, time);
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.True(async () => (await VersionsAsync(engine, "orders")).Count(v => v.Status == VersionStatus.Published) == 2, "the missed run published");
            Assert.Equal(["cli", "schedule"], (await VersionsAsync(engine, "orders")).Select(v => v.Trigger));
            await Eventually.True(() => scheduler.InFlight().Count == 0, "nothing else runs");
            Assert.Single(await VersionsAsync(engine, "yearly"));
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_run_interrupted_at_its_schedule_tick_runs_again_at_start_though_the_next_tick_is_far()
    {
        using var p = Project();
        WriteOrders(p, 10);
        p.Dataset("orders", "source: files\ntable: orders.csv\nschedule: '0 0 * * *'\n");
        await using (var first = await p.OpenAsync())
        {
            Assert.True((await first.Publisher.MaterializeOneAsync(first.GetDataset("orders"), "cli", null, CancellationToken.None)).Published);
            // What a kill at the daily tick leaves: its attempt still building, begun after the tick it served.
            await first.State.BeginVersionAsync("orders", "schedule", DateTimeOffset.UtcNow, CancellationToken.None);
        }
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, new FakeTimeProvider(DateTimeOffset.UtcNow));
        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.True(async () => (await VersionsAsync(engine, "orders")).Count(v => v.Status == VersionStatus.Published) == 2, "the owed run published");
            Assert.Equal([("cli", VersionStatus.Published), ("schedule", VersionStatus.Interrupted), ("recovery", VersionStatus.Published)],
                (await VersionsAsync(engine, "orders")).Select(v => (v.Trigger, v.Status)));
            await Eventually.True(() => engine.Catalog.Current("orders")?.Version == 3, "version 3 is served");
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Stopping_cancels_the_run_under_way_records_it_interrupted_and_may_be_repeated()
    {
        using var p = Project();
        CreateItems(p, 10);
        p.Dataset("items", "source: crm\ntable: items\n");
        await using var engine = await p.OpenAsync();
        var scheduler = new DatasetScheduler(engine.Project, engine.Catalog, engine.State, engine.Publisher, new FakeTimeProvider(Start));
        await scheduler.StartAsync(CancellationToken.None);
        // Locked before the run starts: taken after, a fast run could read its ten rows and publish first.
        var hold = LockExclusively(p.PathOf("data/crm.sqlite"));
        var run = scheduler.Request("items", "api").Run;
        await Eventually.True(async () => (await VersionsAsync(engine, "items")).Any(v => v.Status == VersionStatus.Building), "version 1 is building");
        var stopping = scheduler.StopAsync(CancellationToken.None);
        // SQLite's busy wait does not watch for cancellation: the run notices once its read gets through.
        hold.Dispose();
        // Hosts stop their services again when they shut down; the second call must be harmless.
        await Task.WhenAll(stopping, scheduler.StopAsync(CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(RunStatus.Interrupted, (await run.Completion).Status);
        var version = Assert.Single(await VersionsAsync(engine, "items"));
        Assert.Equal(VersionStatus.Interrupted, version.Status);
        Assert.StartsWith("interrupted: Ladle stopped", version.Error, StringComparison.Ordinal);
        Assert.Null(engine.Catalog.Current("items"));
    }
}
