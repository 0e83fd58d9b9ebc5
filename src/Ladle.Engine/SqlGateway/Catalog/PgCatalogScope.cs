using Ladle.Core.Policy;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>What one principal sees of the catalog: its tables (and metric relations), their schemas, itself as the only role.</summary>
internal sealed class PgCatalogScope
{
    public PgCatalogScope(PgCatalogModel model, Principal principal, IAccessPolicy policy, Core.Semantic.Planning.MetricScope? metrics)
    {
        Model = model;
        Principal = principal;
        Tables = model.Visible(principal, policy, metrics);
        Namespaces = model.Namespaces(Tables);
        RoleOid = PgCatalogModel.RoleOid(principal.Name);
    }

    public PgCatalogModel Model { get; }
    public Principal Principal { get; }
    public IReadOnlyList<PgTable> Tables { get; }
    public IReadOnlyList<PgNamespace> Namespaces { get; }
    public uint RoleOid { get; }

    /// <summary>The database's name: the project's.</summary>
    public string Database => Model.Project.Name;

    /// <summary>The schema named <paramref name="oid"/>.</summary>
    public string SchemaName(uint oid) => Namespaces.First(n => n.Oid == oid).Name;

    /// <summary>Roles the principal can resolve by OID: itself, the built-in owner and its datasets' owners (no others).</summary>
    public IEnumerable<(uint Oid, string Name)> KnownRoles() =>
        Tables.Where(t => t.OwnerName is not null).Select(t => (t.Owner, t.OwnerName!))
            .Append((PgOids.BootstrapRole, PgCatalogModel.BootstrapOwner))
            .Append((RoleOid, Principal.Name))
            .DistinctBy(r => r.Item1);
}
