using System.Text;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// Object identifiers of the synthetic catalog. Built-in objects keep PostgreSQL's own OIDs; the project's objects
/// (schemas, tables, their primary-key indexes and constraints, owners, the principal) get OIDs hashed from their
/// kind and name into [2^30, 2^31), above every OID PostgreSQL itself assigns, so a client that caches OIDs across
/// connections finds the same object again. The range fits both PostgreSQL's unsigned <c>oid</c> and a signed int.
/// </summary>
internal sealed class PgOids
{
    /// <summary>pg_catalog's OID in PostgreSQL.</summary>
    public const uint PgCatalogNamespace = 11;

    /// <summary>public's OID in PostgreSQL.</summary>
    public const uint PublicNamespace = 2200;

    /// <summary>information_schema's OID (PostgreSQL assigns it at initdb; 13_000-odd in 15).</summary>
    public const uint InformationSchemaNamespace = 13_183;

    /// <summary>The bootstrap superuser's OID: owner of every built-in object.</summary>
    public const uint BootstrapRole = 10;

    /// <summary>The default tablespace.</summary>
    public const uint DefaultTablespace = 1663;

    /// <summary>The heap and btree access methods.</summary>
    public const uint HeapAm = 2, BtreeAm = 403;

    /// <summary>pg_class, pg_namespace and pg_database as classoid of pg_description rows.</summary>
    public const uint PgClassRelation = 1259, PgNamespaceRelation = 2615, PgDatabaseRelation = 1262, PgConstraintRelation = 2606;

    private const uint Low = 1u << 30;
    private const uint Span = 1u << 30;

    private readonly Dictionary<string, uint> _assigned = new(StringComparer.Ordinal);

    /// <summary>
    /// Assigns every key an OID. Keys are taken in ordinal order, so a collision (two names hashing alike) resolves
    /// the same way every time: the later key takes the next free OID.
    /// </summary>
    public PgOids(IEnumerable<string> keys)
    {
        var taken = new HashSet<uint>();
        foreach (var key in keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var oid = Hash(key);
            while (!taken.Add(oid)) oid = oid + 1 >= Low + Span ? Low : oid + 1;
            _assigned[key] = oid;
        }
    }

    /// <summary>The OID assigned to <paramref name="key"/>.</summary>
    public uint this[string key] => _assigned.TryGetValue(key, out var oid)
        ? oid
        : throw new InvalidOperationException($"no OID was assigned to '{key}'; it must be listed when the catalog is built");

    /// <summary>Key of a dataset's table.</summary>
    public static string Table(string dataset) => "table:" + dataset.ToLowerInvariant();

    /// <summary>Key of a dataset's primary-key index.</summary>
    public static string Index(string dataset) => "index:" + dataset.ToLowerInvariant();

    /// <summary>Key of a dataset's primary-key constraint.</summary>
    public static string Constraint(string dataset) => "constraint:" + dataset.ToLowerInvariant();

    /// <summary>Key of a row type of a dataset's table (pg_class.reltype).</summary>
    public static string RowType(string dataset) => "type:" + dataset.ToLowerInvariant();

    /// <summary>Key of a schema (a domain).</summary>
    public static string Namespace(string schema) => "namespace:" + schema;

    /// <summary>Key of a role: a dataset's owner or the principal.</summary>
    public static string Role(string name) => "role:" + name;

    /// <summary>Key of the project's database.</summary>
    public const string Database = "database";

    // FNV-1a over UTF-8: stable across processes and .NET versions, unlike string.GetHashCode.
    private static uint Hash(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return Low + hash % Span;
    }
}
