using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Core.Semantic.Planning;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>A column of a dataset's table in the catalog.</summary>
internal sealed record PgColumn(string Name, short Number, uint TypeOid, int TypeMod, bool NotNull, string? Description);

/// <summary>A declared primary key: its index and constraint, both named <c>&lt;dataset&gt;_pkey</c> as PostgreSQL names them.</summary>
internal sealed record PgKey(uint IndexOid, uint ConstraintOid, string Name, IReadOnlyList<short> Columns, IReadOnlyList<string> ColumnNames);

/// <summary>
/// A dataset as a table: in the schema of its domain (public without one), owned by its owner. <see cref="Columns"/>
/// is null when the project declares none: they are read from the store's view of the served version at query time.
/// A metric relation (<c>metrics.&lt;model&gt;</c>) is a table too, without <see cref="Dataset"/> (see <see cref="PgMetricRelation"/>).
/// </summary>
internal sealed record PgTable(string Name, string Schema, uint Oid, uint Namespace, uint Owner, uint RowType,
    IReadOnlyList<PgColumn>? Columns, PgKey? Key)
{
    /// <summary>The dataset it shows; null for a metric relation.</summary>
    public DatasetDefinition? Dataset { get; init; }

    /// <summary>Its owner's name, null for the built-in owner.</summary>
    public string? OwnerName { get; init; }

    public string? Description { get; init; }

    /// <summary>A metric relation: not on the search path, named <c>metrics.&lt;model&gt;</c>.</summary>
    public bool IsMetric => Dataset is null;
}

/// <summary>A schema: a domain, or one of public, pg_catalog, information_schema.</summary>
internal sealed record PgNamespace(string Name, uint Oid);

/// <summary>
/// The project as catalog objects, built once: OIDs are assigned over every dataset (not only those a principal
/// sees), so an object has the same OID for everyone and what one principal sees says nothing of the others.
/// </summary>
internal sealed class PgCatalogModel
{
    public const string PublicSchema = "public", PgCatalogSchema = "pg_catalog", InformationSchema = "information_schema";

    /// <summary>The schema of metric relations (<see cref="SqlMetricTranslator.Schema"/>), not on the search path.</summary>
    public const string MetricsSchema = SqlMetricTranslator.Schema;

    /// <summary>The owner named in pg_roles for built-in objects and datasets without an owner.</summary>
    public const string BootstrapOwner = "ladle";

    private readonly PgOids _oids;

    public PgCatalogModel(ProjectDefinition project)
    {
        Project = project;
        var schemas = project.Datasets.Select(SchemaOf).Append(MetricsSchema).Distinct(StringComparer.Ordinal).ToList();
        var models = project.Semantic.Models;
        var owners = project.Datasets.Select(d => d.Owner).Concat(models.Select(m => m.Owner)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        _oids = new PgOids(project.Datasets.SelectMany(d => new[]
            {
                PgOids.Table(d.Name), PgOids.Index(d.Name), PgOids.Constraint(d.Name), PgOids.RowType(d.Name),
            })
            .Concat(models.SelectMany(m => new[] { PgOids.Table(MetricsSchema + "." + m.Name), PgOids.RowType(MetricsSchema + "." + m.Name) }))
            .Concat(schemas.Select(PgOids.Namespace))
            .Concat(owners.Select(PgOids.Role))
            .Append(PgOids.Database));
        DatabaseOid = _oids[PgOids.Database];
        Tables = project.Datasets.Select(Table).ToList();
        MetricRelations = models.Select(m => new PgMetricRelation(project.Semantic, m,
            _oids[PgOids.Table(MetricsSchema + "." + m.Name)], _oids[PgOids.Namespace(MetricsSchema)],
            m.Owner is { } o ? _oids[PgOids.Role(o)] : PgOids.BootstrapRole, _oids[PgOids.RowType(MetricsSchema + "." + m.Name)])).ToList();
    }

    public ProjectDefinition Project { get; }

    public uint DatabaseOid { get; }

    /// <summary>Every dataset's table, in the project's order.</summary>
    public IReadOnlyList<PgTable> Tables { get; }

    /// <summary>Every semantic model's metric relation, before a principal's scope.</summary>
    public IReadOnlyList<PgMetricRelation> MetricRelations { get; }

    /// <summary>
    /// The tables <paramref name="principal"/> may see: exactly the datasets REST lists for it, then the metric
    /// relations with at least one metric it may query (none without <paramref name="metrics"/>).
    /// </summary>
    public IReadOnlyList<PgTable> Visible(Principal principal, IAccessPolicy policy, MetricScope? metrics)
    {
        var tables = Tables.Where(t => policy.CanSee(principal, t.Dataset!)).ToList();
        if (metrics is not null)
            tables.AddRange(MetricRelations.Select(r => r.For(metrics)).OfType<PgTable>());
        return tables;
    }

    /// <summary>The schemas shown beside <paramref name="tables"/>: the built-in three and each domain with a visible dataset.</summary>
    public IReadOnlyList<PgNamespace> Namespaces(IReadOnlyList<PgTable> tables)
    {
        var list = new List<PgNamespace>
        {
            new(PgCatalogSchema, PgOids.PgCatalogNamespace),
            new(PublicSchema, PgOids.PublicNamespace),
            new(InformationSchema, PgOids.InformationSchemaNamespace),
        };
        foreach (var schema in tables.Select(t => t.Schema).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            if (list.All(n => n.Name != schema)) list.Add(new PgNamespace(schema, _oids[PgOids.Namespace(schema)]));
        return list;
    }

    /// <summary>The OID of a role: a dataset's owner, or the principal (its own OID, never shown to others).</summary>
    public static uint RoleOid(string name) => name == BootstrapOwner ? PgOids.BootstrapRole : new PgOids([PgOids.Role(name)])[PgOids.Role(name)];

    /// <summary>A dataset's schema: its domain, lower-cased as PostgreSQL folds an unquoted name, or public.</summary>
    public static string SchemaOf(DatasetDefinition dataset) =>
        string.IsNullOrWhiteSpace(dataset.Domain) ? PublicSchema : dataset.Domain.Trim().ToLowerInvariant();

    private PgTable Table(DatasetDefinition dataset)
    {
        var schema = SchemaOf(dataset);
        var ns = schema == PublicSchema ? PgOids.PublicNamespace : _oids[PgOids.Namespace(schema)];
        var owner = dataset.Owner is { } o ? _oids[PgOids.Role(o)] : PgOids.BootstrapRole;
        var keyNames = dataset.PrimaryKey;
        IReadOnlyList<PgColumn>? columns = dataset.Columns.Count == 0 ? null : dataset.Columns.Select((c, i) =>
        {
            var (type, mod) = TypeOf(c.Type);
            var inKey = keyNames.Any(k => string.Equals(k, c.Name, StringComparison.OrdinalIgnoreCase));
            return new PgColumn(c.Name, (short)(i + 1), type, mod, inKey, c.Description);
        }).ToList();
        PgKey? key = null;
        if (keyNames.Count > 0)
        {
            var numbers = keyNames.Select(k => columns?.FirstOrDefault(c => string.Equals(c.Name, k, StringComparison.OrdinalIgnoreCase))?.Number ?? (short)0).ToList();
            key = new PgKey(_oids[PgOids.Index(dataset.Name)], _oids[PgOids.Constraint(dataset.Name)], dataset.Name + "_pkey", numbers, keyNames);
        }
        return new PgTable(dataset.Name, schema, _oids[PgOids.Table(dataset.Name)], ns, owner, _oids[PgOids.RowType(dataset.Name)], columns, key)
        {
            Dataset = dataset, OwnerName = dataset.Owner, Description = dataset.Description,
        };
    }

    /// <summary>
    /// The PostgreSQL type of a declared column: the type its values are served as from the store
    /// (<see cref="Core.Sql.SqlDialect.TypeName"/>: integers are BIGINT, decimals DECIMAL(38,10)).
    /// </summary>
    public static (uint Oid, int TypeMod) TypeOf(LadleType type) => type switch
    {
        LadleType.String => (PgBuiltinTypes.Text, -1),
        LadleType.Integer => (PgBuiltinTypes.Int8, -1),
        LadleType.Double => (PgBuiltinTypes.Float8, -1),
        LadleType.Decimal => (PgBuiltinTypes.Numeric, NumericTypeMod(38, 10)),
        LadleType.Boolean => (PgBuiltinTypes.Bool, -1),
        LadleType.Date => (PgBuiltinTypes.Date, -1),
        LadleType.Timestamp => (PgBuiltinTypes.Timestamp, -1),
        _ => (PgBuiltinTypes.Text, -1),
    };

    /// <summary>numeric(p,s)'s atttypmod, as PostgreSQL stores it.</summary>
    public static int NumericTypeMod(int precision, int scale) => (precision << 16 | scale) + 4;
}
