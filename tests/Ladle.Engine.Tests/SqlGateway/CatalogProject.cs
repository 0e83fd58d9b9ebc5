using DuckDB.NET.Data;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Ladle.Engine.SqlGateway.Catalog;

namespace Ladle.Engine.Tests.SqlGateway;

/// <summary>
/// A project like the demo's sales data, with a second domain one principal may not see, and its catalog on a real
/// DuckDB (its Setup run once, as the gateway runs it on the store).
/// </summary>
public sealed class CatalogProject : IDisposable
{
    private readonly TestProject _project = new("");

    public CatalogProject()
    {
        _project.Dataset("orders", """
            domain: sales
            owner: sales-team
            description: One row per order
            source: files
            table: orders.csv
            materialization: table
            primary_key: [order_id]
            columns:
              - { name: order_id, type: integer }
              - { name: customer_id, type: integer }
              - { name: region, type: string }
              - { name: amount, type: decimal, description: Order total in EUR }
              - { name: placed_at, type: timestamp }
              - { name: is_paid, type: boolean }
              - { name: ordered_on, type: date }
              - { name: ratio, type: double }
            """);
        _project.Dataset("salaries", """
            domain: hr
            owner: people-team
            description: Pay per employee
            source: files
            table: salaries.csv
            materialization: table
            columns:
              - { name: employee_id, type: integer }
              - { name: salary, type: decimal, description: Yearly gross pay }
            """);
        _project.Write("access.yaml", """
            roles:
              seller:
                grants:
                  - { actions: [read], domains: [sales] }
              boss:
                admin: true
            principals:
              ana: { roles: [seller] }
              olga: { roles: [boss] }
            """);
        Project = _project.Load();
        Policy = new AccessPolicy(Project, "mask-key", devAnonymousIsAdmin: false);
        Catalog = new PgCatalog(Project, Policy);
        Connection = new DuckDBConnection("DataSource=:memory:");
        Connection.Open();
        foreach (var statement in Catalog.Setup)
        {
            using var command = Connection.CreateCommand();
            command.CommandText = statement;
            command.ExecuteNonQuery();
        }
        Rewriter = new CatalogRewriter(Connection, Catalog);
    }

    public ProjectDefinition Project { get; }
    public AccessPolicy Policy { get; }
    public PgCatalog Catalog { get; }
    public DuckDBConnection Connection { get; }
    internal CatalogRewriter Rewriter { get; }

    /// <summary>Sees the sales domain only.</summary>
    public static Principal Seller { get; } = new("ana", new Dictionary<string, string>());

    /// <summary>Sees everything.</summary>
    public static Principal Admin { get; } = new("olga", new Dictionary<string, string>());

    public void Dispose()
    {
        Connection.Dispose();
        _project.Dispose();
    }
}
