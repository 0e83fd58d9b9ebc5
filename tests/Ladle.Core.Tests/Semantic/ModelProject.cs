using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;

namespace Ladle.Core.Tests.Semantic;

/// <summary>A project with a few datasets, for writing models/*.yaml against.</summary>
internal static class ModelProject
{
    public static TempProject Create()
    {
        var p = new TempProject().Write("ladle.yaml", TempProject.MinimalProject);
        Dataset(p, "orders", "order_id:integer", "customer_id:integer", "merchant_id:integer", "region:string", "status:string", "amount:decimal", "ordered_at:timestamp", "note:string");
        Dataset(p, "customers", "customer_id:integer", "region_id:integer", "country:string", "signed_up_at:timestamp");
        Dataset(p, "merchants", "merchant_id:integer", "region_id:integer", "tier:string");
        Dataset(p, "regions", "region_id:integer", "name:string");
        return p;
    }

    public static void Dataset(TempProject p, string name, params string[] columns) =>
        p.Write($"datasets/{name}.yaml", $"name: {name}\nsource: files\ntable: {name}.csv\ncolumns:\n" +
            string.Concat(columns.Select(c => $"  - {{ name: {c.Split(':')[0]}, type: {c.Split(':')[1]} }}\n")));

    public static ProjectDefinition Load(TempProject p) => ProjectLoader.Load(p.Root);

    public static ProjectValidationException Fails(TempProject p) => Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(p.Root));

    public const string Orders = """
        dataset: orders
        default_time: ordered_at
        entities:
          - { name: order, type: primary }
          - { name: customer, type: foreign }
          - { name: merchant, type: foreign }
        dimensions:
          - { name: region }
          - { name: status }
          - { name: ordered_at, type: time, zone: Europe/Berlin }
        measures:
          - { name: revenue, agg: sum, column: amount, filter: "status = 'completed'" }
          - { name: order_count, agg: count }
        metrics:
          - { name: revenue, measure: revenue }
          - { name: orders, measure: order_count }
        """;

    public const string Customers = """
        dataset: customers
        entities:
          - { name: customer, type: primary }
          - { name: region, type: foreign }
        dimensions:
          - { name: country }
        measures:
          - { name: customer_count, agg: count }
        """;

    public const string Merchants = """
        dataset: merchants
        entities:
          - { name: merchant, type: primary }
          - { name: region, type: foreign }
        dimensions:
          - { name: tier }
        """;

    public const string Regions = """
        dataset: regions
        entities:
          - { name: region, type: primary }
        dimensions:
          - { name: name }
        """;
}
