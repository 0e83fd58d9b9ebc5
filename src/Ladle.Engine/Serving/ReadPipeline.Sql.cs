using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Policy;
using Ladle.Engine.Encoders;
using Ladle.Engine.Results;

namespace Ladle.Engine.Serving;

public sealed partial class ReadPipeline
{
    private static readonly IReadOnlyDictionary<string, PolicyScope> NoScopes = new Dictionary<string, PolicyScope>();

    private static TrustedSqlPlan PlanTrustedSql(TrustedSqlRequest request) =>
        string.IsNullOrWhiteSpace(request.Sql) ? throw new InvalidRequestException("the SQL is empty; give a statement such as SELECT * FROM orders", "sql") : new TrustedSqlPlan(request.Sql);

    /// <summary>Raw SQL is the project owner's alone: the machine's own user at the CLI, never a token, whatever its roles.</summary>
    private IReadOnlyDictionary<string, PolicyScope> AuthorizeTrustedSql(Principal principal) =>
        principal.Method == AuthMethod.Local && Policy.IsAdmin(principal)
            ? NoScopes
            : throw new ForbiddenException($"principal '{principal.Name}' may not run SQL over the store: only the project's owner may, with `ladle query` on the machine that holds it");

    /// <summary>Runs the SQL in the store, where every dataset is a view of its served version.</summary>
    private async Task<OpenedRead> OpenTrustedSqlAsync(TrustedSqlPlan plan, CancellationToken cancellationToken)
    {
        try
        {
            return new OpenedStream("query", await _reader.QueryStoreAsync(plan.Sql, cancellationToken), [], OpenedStream.SqlNotCounted);
        }
        catch (SourceUnavailableException e)
        {
            // The owner's own statement did not run: the engine's words are the answer.
            throw new InvalidRequestException(e.InnerException?.Message ?? e.Message, "sql");
        }
    }
}
