using System.Globalization;
using System.Text;
using Ladle.Engine.Access;
using Ladle.Server.Tests;

namespace Ladle.Web.Tests;

/// <summary>
/// A marketplace's sales served over loopback (no --dev) for the explorer, dashboards and embeds: merchants 7, 42
/// and 99 selling in three regions from January to June 2026, a model over them, a dashboard for a merchant, an
/// embedder whose tokens carry a merchant_id, and Chromium. The expected numbers are computed from the rows written
/// here, never asked of Ladle.
/// </summary>
public sealed class DashboardWebFixture : IAsyncLifetime
{
    public const string EmbedKeyVariable = "LADLE_WEB_TEST_EMBED_KEY";
    public const string EmbedKey = "web-test-embed-signing-key-of-32-bytes-or-more";

    public LoopbackServer Server { get; private set; } = null!;
    public Browser Browser { get; private set; } = null!;
    public Dictionary<string, string> Tokens { get; } = [];

    public string Url => Server.Http.BaseAddress!.ToString().TrimEnd('/');

    /// <summary>The rows of data/sales.csv: (merchant, region, month, amount).</summary>
    public static IReadOnlyList<(int Merchant, string Region, int Month, decimal Amount)> Sales { get; } = Enumerable.Range(1, 600)
        .Select(i => (i % 3 == 0 ? 42 : i % 3 == 1 ? 7 : 99, i % 5 == 0 ? "EU" : i % 5 < 3 ? "US" : "APAC", 1 + i / 3 % 6, i + 0.25m)).ToList();

    public static decimal SalesOf(int? merchant = null, int? month = null, string? region = null) =>
        Sales.Where(s => (merchant is null || s.Merchant == merchant) && (month is null || s.Month == month) && (region is null || s.Region == region)).Sum(s => s.Amount);

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(EmbedKeyVariable, EmbedKey);
        Server = await LoopbackServer.StartAsync(Write, dev: false);
        var tokens = new TokenService(Server.Engine.Project, Server.Engine.State);
        foreach (var principal in new[] { "root", "portal" })
            Tokens[principal] = (await tokens.CreateAsync(principal, null, "web tests", CancellationToken.None)).Token;
        Browser = await Browser.LaunchAsync();
    }

    private static void Write(string root)
    {
        LoopbackServer.File(root, "ladle.yaml", "name: market\nsources:\n  files:\n    kind: files\n    path: data\n");
        var csv = new StringBuilder("sale_id,merchant_id,region,amount,sold_at\n");
        var i = 0;
        foreach (var (merchant, region, month, amount) in Sales)
            csv.Append(CultureInfo.InvariantCulture, $"{++i},{merchant},{region},{amount},2026-{month:00}-{1 + i % 27:00} 12:00:00\n");
        LoopbackServer.File(root, "data/sales.csv", csv.ToString());
        LoopbackServer.File(root, "datasets/sales.yaml", """
            name: sales
            domain: marketplace
            description: Every sale of the marketplace's merchants.
            source: files
            table: sales.csv
            materialization: table
            columns:
              - { name: sale_id, type: integer }
              - { name: merchant_id, type: integer }
              - { name: region, type: string }
              - { name: amount, type: decimal }
              - { name: sold_at, type: timestamp }
            """);
        LoopbackServer.File(root, "models/sales.yaml", """
            dataset: sales
            default_time: sold_at
            entities: [ { name: sale, type: primary } ]
            dimensions:
              - { name: merchant_id, type: number }
              - { name: region }
              - { name: sold_at, type: time, zone: UTC }
            measures:
              - { name: amount, agg: sum, column: amount }
              - { name: sale_count, agg: count }
            metrics:
              - { name: sales, measure: amount, description: What merchants sold. }
              - { name: orders, measure: sale_count }
            """);
        LoopbackServer.File(root, "dashboards/merchant.yaml", """
            title: Your sales
            range: 2026-05
            filters:
              - { dimension: region, label: Region }
            tiles:
              - { id: sales, kind: kpi, metric: sales, title: Sales }
              - { id: orders, kind: kpi, metric: orders, title: Orders }
              - { id: by_month, kind: line, metric: sales, granularity: month, range: 2026-01..2026-07, title: Sales by month }
              - { id: by_region, kind: bar, metric: sales, by: region, title: Sales by region }
              - { id: rows, kind: table, metric: sales, by: [merchant_id, region], title: Sales by merchant and region }
            """);
        // A shared filter with a default: the page opens on EU, and "All" must clear it.
        LoopbackServer.File(root, "dashboards/regional.yaml", """
            title: Regional sales
            range: 2026-05
            filters:
              - { dimension: region, label: Region, values: [APAC, EU, US], default: EU }
            tiles:
              - { id: sales, kind: kpi, metric: sales, title: Sales }
            """);
        LoopbackServer.File(root, "access.yaml", $$$"""
            roles:
              admin:
                admin: true
              embedder:
                grants:
                  - { actions: [embed], datasets: [sales], row_filter: "merchant_id = {{ principal.merchant_id }}" }
            principals:
              root: { roles: [admin] }
              portal: { kind: service, roles: [embedder] }
            embed:
              signing_key_envs: [{{{EmbedKeyVariable}}}]
              max_ttl: 1h
            """);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardWebCollection : ICollectionFixture<DashboardWebFixture>
{
    public const string Name = "dashboards";
}
