using System.Reflection;
using System.Runtime.InteropServices;
using Ladle.Core.Model;
using Ladle.Core.Policy;

namespace Ladle.Engine.SqlGateway.Catalog;

/// <summary>
/// The synthetic PostgreSQL 15 catalog of a project, per principal: <c>pg_catalog</c> relations and functions and
/// <c>information_schema</c> views generated from the datasets (a schema per domain, a table per dataset, columns
/// with their types and descriptions, declared primary keys), showing only the datasets the principal may see
/// (<see cref="IAccessPolicy.CanSee"/>). Relations are SELECTs over literal rows; types, settings and the catalog's
/// functions live once in the in-memory <c>ladle_pg</c> database (<see cref="Setup"/>).
/// </summary>
public sealed class PgCatalog : ISqlCatalog
{
    /// <summary>The PostgreSQL version the catalog speaks for (server_version).</summary>
    public const string ServerVersion = "15.18";

    private readonly PgCatalogModel _model;
    private readonly IAccessPolicy _policy;
    private readonly string _banner;

    public PgCatalog(ProjectDefinition project, IAccessPolicy policy)
    {
        _model = new PgCatalogModel(project);
        _policy = policy;
        var version = typeof(PgCatalog).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "dev";
        _banner = $"PostgreSQL {ServerVersion} (Ladle {version}) on {RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}-{OsName()}, 64-bit";
        Setup = [$"ATTACH IF NOT EXISTS ':memory:' AS {PgStaticRelations.Database}", .. PgStaticRelations.Create(ServerVersion), .. PgMacros.Create()];
    }

    /// <summary>
    /// What each principal may query of the metrics (the REST metric catalog's rule); metric relations
    /// (<c>metrics.&lt;model&gt;</c>) are listed only when set.
    /// </summary>
    public Func<Principal, Core.Semantic.Planning.MetricScope>? MetricScopes { get; init; }

    /// <summary>version()'s answer.</summary>
    public string Banner => _banner;

    /// <inheritdoc />
    public IReadOnlyList<string> Setup { get; }

    /// <inheritdoc />
    public string Normalize(string sql) => PgSqlNormalizer.Normalize(sql);

    /// <inheritdoc />
    public string? Relation(string? schema, string name, Principal principal)
    {
        var relation = name.ToLowerInvariant();
        var space = schema?.ToLowerInvariant();
        if (space is null or PgCatalogModel.PgCatalogSchema)
        {
            if (PgRelationShapes.Columns("pg_catalog." + relation) is null) return null;
            if (PgStaticRelations.Names.Contains(relation)) return $"SELECT * FROM {PgStaticRelations.Schema}.{relation}";
            return new PgScopedRelations(Scope(principal)).PgCatalog(relation) ?? PgSql.Rows("pg_catalog." + relation, []);
        }
        if (space == PgCatalogModel.InformationSchema)
        {
            if (PgRelationShapes.Columns("information_schema." + relation) is null) return null;
            return new PgScopedRelations(Scope(principal)).InformationSchema(relation) ?? PgSql.Rows("information_schema." + relation, []);
        }
        return null;
    }

    /// <inheritdoc />
    public string? Describe(string? schema, string name, Principal principal)
    {
        var scope = Scope(principal);
        var space = schema?.ToLowerInvariant();
        // Unqualified (or public/main, as datasets are found) names a dataset; a metric relation is named metrics.<model>.
        var table = scope.Tables.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)
            && (space is null or PgCatalogModel.PublicSchema or "main" ? !t.IsMetric : t.Schema == space));
        if (table is null) return null;
        var columns = new PgScopedRelations(scope).InformationSchema("columns")!;
        var key = table.Key is { } k ? $"CASE WHEN c.column_name IN ({string.Join(", ", k.ColumnNames.Select(PgSql.Text))}) THEN 'PRI' END" : "CAST(NULL AS VARCHAR)";
        return $"SELECT c.column_name, upper(c.data_type) AS column_type, c.is_nullable AS \"null\", {key} AS \"key\", " +
            $"CAST(NULL AS VARCHAR) AS \"default\", CAST(NULL AS VARCHAR) AS extra FROM ({columns}) AS c " +
            $"WHERE c.table_schema = {PgSql.Text(table.Schema)} AND c.table_name = {PgSql.Text(table.Name)} ORDER BY c.ordinal_position";
    }

    /// <inheritdoc />
    public SqlFunctionRewrite? Function(string? schema, string name, int arguments, Principal principal) =>
        new PgFunctions(Scope, _banner).Rewrite(schema?.ToLowerInvariant(), name.ToLowerInvariant(), arguments, principal);

    /// <inheritdoc />
    public SqlFunctionRewrite? Cast(string? schema, string typeName, Principal principal) =>
        new PgFunctions(Scope, _banner).Cast(schema?.ToLowerInvariant(), typeName.ToLowerInvariant(), principal);

    /// <inheritdoc />
    public uint? RelationOid(string printed, Principal principal) => PgFunctions.RelationOid(Scope(principal), printed);

    /// <inheritdoc />
    public IReadOnlyList<string?>? ResultTypes(System.Text.Json.Nodes.JsonObject statement) => PgResultTypes.Infer(statement);

    private PgCatalogScope Scope(Principal principal) => new(_model, principal, _policy, MetricScopes?.Invoke(principal));

    private static string OsName() =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "pc-linux-gnu" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "apple-darwin" : "pc-windows";
}
