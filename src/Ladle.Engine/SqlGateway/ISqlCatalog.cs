using Ladle.Core.Policy;

namespace Ladle.Engine.SqlGateway;

/// <summary>
/// The relations, functions and types a principal's SQL may use besides datasets: the synthetic PostgreSQL
/// catalog (<c>pg_catalog</c>, <c>information_schema</c>) generated from the project, as that principal sees it.
/// The SQL gateway asks it while rewriting a parsed statement; it never sees the statement itself.
/// </summary>
public interface ISqlCatalog
{
    /// <summary>
    /// Text rewrites applied before parsing, for PostgreSQL spellings DuckDB's parser refuses
    /// (<c>OPERATOR(pg_catalog.~)</c>, <c>COLLATE pg_catalog.default</c>, …). Must leave string literals alone.
    /// </summary>
    string Normalize(string sql);

    /// <summary>
    /// The SELECT that yields relation <paramref name="schema"/>.<paramref name="name"/> as
    /// <paramref name="principal"/> sees it, or null when it is not a catalog relation.
    /// <paramref name="schema"/> is null for an unqualified name (pg_catalog is on the search path, after the datasets).
    /// </summary>
    string? Relation(string? schema, string name, Principal principal);

    /// <summary>
    /// What a call of function <paramref name="schema"/>.<paramref name="name"/> becomes (version(),
    /// obj_description, format_type, pg_get_userbyid, …), or null to leave it to DuckDB.
    /// </summary>
    SqlFunctionRewrite? Function(string? schema, string name, int arguments, Principal principal);

    /// <summary>What a cast to a PostgreSQL-only type (regclass, regtype, regproc, oid, name, …) becomes, or null.</summary>
    SqlFunctionRewrite? Cast(string? schema, string typeName, Principal principal);

    /// <summary>
    /// The type the catalog states for each column <paramref name="statement"/> answers (see
    /// <see cref="Results.ResultColumn.CatalogType"/>), null where the engine's own type stands; null when it states
    /// none. Given the statement's node as parsed, before any rewrite.
    /// </summary>
    IReadOnlyList<string?>? ResultTypes(System.Text.Json.Nodes.JsonObject statement);

    /// <summary>
    /// The SELECT answering DuckDB's <c>DESCRIBE relation</c> (and <c>SHOW relation</c>) for a dataset or metric relation
    /// <paramref name="principal"/> may see: its columns as DuckDB lists them (column_name, column_type, null, key,
    /// default, extra); null when it sees no such relation (then it does not exist for it).
    /// </summary>
    string? Describe(string? schema, string name, Principal principal) => null;

    /// <summary>
    /// The OID of a relation <paramref name="principal"/> sees, given as a regclass value prints it (its name, or its
    /// number when the catalog has no name for it): the binary form of regclass is the OID. Null when unknown.
    /// </summary>
    uint? RelationOid(string printed, Principal principal) => null;

    /// <summary>Statements run once on the store before the first statement (macros, tables in a catalog database).</summary>
    IReadOnlyList<string> Setup { get; }
}

/// <summary>
/// A call rewritten: to function <see cref="Name"/> (qualified as it must be written) with the original arguments
/// followed by <see cref="ExtraArguments"/> (SQL literals, e.g. the principal's visibility key), or to a constant
/// SQL expression <see cref="Constant"/> when it does not depend on the arguments (version()).
/// </summary>
public sealed record SqlFunctionRewrite(string? Name, IReadOnlyList<string> ExtraArguments, string? Constant = null);
