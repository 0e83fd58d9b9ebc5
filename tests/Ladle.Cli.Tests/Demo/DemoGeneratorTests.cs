using Ladle.Cli.Demo;
using Ladle.Cli.Demo.Internal;
using Ladle.Core.Model;

namespace Ladle.Cli.Tests.Demo;

/// <summary>A generated demo is a valid project whose files match what its YAML declares.</summary>
public sealed class DemoGeneratorTests(DemoFixture demo) : IClassFixture<DemoFixture>
{
    private static readonly string[] ExpectedDatasets =
    [
        "churn_labels", "crm_customer_updates", "customer_months", "customer_scores", "customer_weekly_activity", "customers",
        "fabric_batch_labels", "fabric_batches", "household_daily_energy", "household_energy_hourly", "households",
        "inventory", "merchant_daily_sales", "merchant_monthly_returns", "merchants", "orders", "products", "returns",
        "thermostat_devices", "thermostat_readings", "warehouse_climate", "warehouse_climate_hourly",
    ];

    [Fact]
    public void Generated_project_loads_with_every_dataset()
    {
        Assert.Equal(ExpectedDatasets, demo.Project.Datasets.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.All(demo.Project.Datasets, d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Domain), $"{d.Name} has no domain");
            Assert.False(string.IsNullOrWhiteSpace(d.Owner), $"{d.Name} has no owner");
            Assert.False(string.IsNullOrWhiteSpace(d.Description), $"{d.Name} has no description");
            Assert.NotEmpty(d.Columns);
            Assert.All(d.Columns, c => Assert.False(string.IsNullOrWhiteSpace(c.Description), $"{d.Name}.{c.Name} has no description"));
        });
    }

    [Fact]
    public void Demo_exercises_every_reader_and_both_materializations()
    {
        var kinds = demo.Project.Datasets.Where(d => !d.IsDerived).Select(d => demo.Project.Sources[d.Source!])
            .Select(s => s.Kind == SourceKind.Files ? s.Format.ToString() : s.Kind.ToString()).ToHashSet();
        Assert.Superset(new HashSet<string> { "Sqlite", "Parquet", "Csv", "Json", "Auto" }, kinds);
        Assert.Contains(demo.Project.Datasets, d => d.Materialization == Materialization.Live);
        Assert.Contains(demo.Project.Datasets, d => d.IsDerived);
        Assert.Contains(demo.Project.Datasets, d => d.Schedule is not null);
        Assert.All(demo.Project.Datasets.Single(d => d.Name == "customers").Columns.Where(c => c.Name is "email" or "phone" or "first_name" or "last_name"),
            c => Assert.True(c.Pii, $"customers.{c.Name} must be PII"));
    }

    [Fact]
    public void Every_files_dataset_has_files_that_duckdb_reads_with_the_declared_columns()
    {
        using var db = new DemoDatabase(demo.Project);
        foreach (var dataset in demo.Project.Datasets.Where(d => d.Source is not null))
        {
            var source = demo.Project.Sources[dataset.Source!];
            if (source.Kind != SourceKind.Files) continue;
            var pattern = Path.Combine(source.Path!, dataset.Table!).Replace("'", "''", StringComparison.Ordinal);
            Assert.True(db.Scalar<long>($"SELECT count(*) FROM glob('{pattern}')") > 0, $"no file matches {dataset.Table} for {dataset.Name}");
            var textFormat = !dataset.Table!.EndsWith(".parquet", StringComparison.Ordinal);
            AssertColumns(dataset, db.Describe(dataset.Name), textFormat);
        }
    }

    [Fact]
    public void Every_sqlite_dataset_is_a_table_with_the_declared_columns_and_storage()
    {
        foreach (var dataset in demo.Project.Datasets.Where(d => d.Source is not null))
        {
            var source = demo.Project.Sources[dataset.Source!];
            if (source.Kind != SourceKind.Sqlite) continue;
            using var sqlite = DemoDatabase.OpenSqlite(source.Path!);
            var declared = new List<(string Name, string Type)>();
            using (var info = sqlite.CreateCommand())
            {
                info.CommandText = $"SELECT name, type FROM pragma_table_info('{dataset.Table}')";
                using var reader = info.ExecuteReader();
                while (reader.Read()) declared.Add((reader.GetString(0), reader.GetString(1)));
            }
            Assert.Equal(dataset.Columns.Select(c => (c.Name, DeclaredTypes.SqliteDeclared(c.Type))), declared);
            foreach (var column in dataset.Columns)
            {
                using var storage = sqlite.CreateCommand();
                storage.CommandText = $"SELECT DISTINCT typeof({column.Name}) FROM {dataset.Table} WHERE {column.Name} IS NOT NULL";
                using var reader = storage.ExecuteReader();
                var classes = new List<string>();
                while (reader.Read()) classes.Add(reader.GetString(0));
                Assert.Equal([DeclaredTypes.SqliteStorage(column.Type)], classes);
            }
        }
    }

    [Fact]
    public void Derived_datasets_run_in_duckdb_with_their_declared_columns()
    {
        using var db = new DemoDatabase(demo.Project);
        // A stream's windows (household_energy_hourly) are written by the running stream, not derived from files.
        foreach (var dataset in demo.Project.Datasets.Where(d => d.IsDerived && d.Stream is null))
        {
            AssertColumns(dataset, db.Describe(dataset.Name), textFormat: false);
            Assert.True(db.Scalar<long>($"SELECT count(*) FROM {dataset.Name}") > 0, $"{dataset.Name} is empty");
        }
    }

    [Fact]
    public void Row_counts_follow_the_options_and_the_progress_reports()
    {
        var sizes = DemoSizes.For(DemoFixture.Options);
        using var db = new DemoDatabase(demo.Project);
        var devices = db.Scalar<long>("SELECT count(*) FROM thermostat_devices");
        var expected = new Dictionary<string, long>
        {
            ["orders"] = DemoFixture.Options.Orders,
            ["customers"] = sizes.Customers,
            ["customer_scores"] = sizes.Customers,
            ["products"] = sizes.Products,
            ["merchants"] = sizes.Merchants,
            ["households"] = sizes.Households,
            ["thermostat_readings"] = devices * DemoSizes.ReadingsPerDevice,
            ["warehouse_climate"] = (long)sizes.Sensors * DemoSizes.ReadingsPerSensor,
            ["fabric_batches"] = sizes.FabricBatches,
            ["returns"] = db.Scalar<long>("SELECT count(*) FROM orders WHERE status = 'returned'"),
            ["inventory"] = db.Scalar<long>("SELECT count(*) FROM inventory"),
            ["thermostat_devices"] = devices,
        };
        foreach (var (name, rows) in expected)
            Assert.True(rows == db.Scalar<long>($"SELECT count(*) FROM {name}"), $"{name}: expected {rows} rows");

        var reports = demo.Progress.Reports;
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), reports.Select(r => r.Dataset).Order(StringComparer.Ordinal));
        Assert.All(reports, r => Assert.Equal(expected[r.Dataset], r.Rows));
        Assert.Equal(Enumerable.Range(1, reports.Count), reports.Select(r => r.Completed));
        Assert.All(reports, r => Assert.Equal(reports.Count, r.Total));
    }

    [Fact]
    public void Keys_are_unique_and_references_resolve()
    {
        using var db = new DemoDatabase(demo.Project);
        foreach (var dataset in demo.Project.Datasets.Where(d => d.PrimaryKey.Count > 0 && d.Stream is null))
        {
            var key = string.Join(", ", dataset.PrimaryKey);
            Assert.True(0 == db.Scalar<long>($"SELECT count(*) FROM (SELECT {key} FROM {dataset.Name} GROUP BY {key} HAVING count(*) > 1)"),
                $"{dataset.Name} repeats a primary key ({key})");
        }
        (string Child, string Column, string Parent)[] references =
        [
            ("orders", "customer_id", "customers"), ("orders", "product_id", "products"), ("orders", "merchant_id", "merchants"),
            ("returns", "order_id", "orders"), ("customer_scores", "customer_id", "customers"),
            ("inventory", "merchant_id", "merchants"), ("inventory", "product_id", "products"),
            ("thermostat_devices", "household_id", "households"), ("thermostat_readings", "device_id", "thermostat_devices"),
        ];
        foreach (var (child, column, parent) in references)
            Assert.True(0 == db.Scalar<long>($"SELECT count(*) FROM {child} WHERE {column} NOT IN (SELECT {column} FROM {parent})"),
                $"{child}.{column} refers to a missing {parent} row");
    }

    [Fact]
    public void Data_behaves_like_the_business_it_stands_for()
    {
        using var db = new DemoDatabase(demo.Project);
        var returnRate = db.Scalar<double>("SELECT avg((status = 'returned')::int) FROM orders");
        Assert.InRange(returnRate, 0.03, 0.06);
        Assert.Equal(0, db.Scalar<long>("SELECT count(*) FROM orders WHERE ordered_at >= TIMESTAMP '2026-11-01' OR ordered_at < TIMESTAMP '2024-11-01'"));
        Assert.Equal(0, db.Scalar<long>("SELECT count(*) FROM orders o JOIN customers c USING (customer_id) WHERE o.ordered_at < c.signed_up_at"));
        Assert.Equal(0, db.Scalar<long>("SELECT count(*) FROM returns r JOIN orders o USING (order_id) WHERE r.returned_at <= o.ordered_at"));
        // VIPs spend more than everyone else, as a lead score should find.
        Assert.True(db.Scalar<double>("""
            SELECT avg(spend) FILTER (WHERE vip) / avg(spend) FILTER (WHERE NOT vip)
            FROM (SELECT s.vip, coalesce(sum(o.amount), 0) AS spend FROM customer_scores s LEFT JOIN orders o USING (customer_id) GROUP BY s.customer_id, s.vip)
            """) > 3);
        // Fabric stored in the damp warehouse goes mouldy more often.
        Assert.True(db.Scalar<double>("""
            SELECT avg((defect_type = 'mildew')::int) FILTER (WHERE warehouse = 'riverside')
                 / avg((defect_type = 'mildew')::int) FILTER (WHERE warehouse <> 'riverside')
            FROM fabric_batches
            """) > 3);
        Assert.Matches("^[a-z]+\\.[a-z]+1@example\\.com$", db.Scalar<string>("SELECT email FROM customers WHERE customer_id = 1"));
    }

    [Fact]
    public async Task Too_few_orders_are_refused_with_the_allowed_range()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            DemoGenerator.GenerateAsync(Path.Combine(demo.Directory, "never"), new DemoOptions { Orders = 10 }, null, CancellationToken.None));
        Assert.Contains("between", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(demo.Directory, "never")));
    }

    private static void AssertColumns(DatasetDefinition dataset, List<(string Name, string Type)> actual, bool textFormat)
    {
        Assert.True(dataset.Columns.Select(c => c.Name).SequenceEqual(actual.Select(a => a.Name)),
            $"{dataset.Name}: declared [{string.Join(", ", dataset.Columns.Select(c => c.Name))}] but found [{string.Join(", ", actual.Select(a => a.Name))}]");
        for (var i = 0; i < actual.Count; i++)
        {
            Assert.True(DeclaredTypes.DuckDbCarries(dataset.Columns[i].Type, actual[i].Type, textFormat),
                $"{dataset.Name}.{actual[i].Name}: declared {dataset.Columns[i].Type.Name()} but found {actual[i].Type}");
        }
    }
}
