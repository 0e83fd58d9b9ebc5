using Ladle.Engine.State;

namespace Ladle.Server.Queries;

/// <summary>What the audit endpoint asks: the audit trail.</summary>
public sealed class AuditQueries(IStateStore state)
{
    /// <summary>Audit entries, newest first.</summary>
    public Task<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken) =>
        state.QueryAuditAsync(query, cancellationToken);
}
