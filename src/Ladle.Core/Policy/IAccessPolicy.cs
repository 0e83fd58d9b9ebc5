using Ladle.Core.Model;
using Ladle.Core.Queries;

namespace Ladle.Core.Policy;

/// <summary>What a principal may do with data.</summary>
public enum DataAction : byte
{
    Read,
    Export,
}

/// <summary>
/// The policy step of the read path: who may see which dataset, and what a principal's query becomes
/// (row filters, masks). Every interface goes through it; none applies its own rules.
/// </summary>
public interface IAccessPolicy
{
    /// <summary>True when the principal may know the dataset exists (catalog listings).</summary>
    bool CanSee(Principal principal, DatasetDefinition dataset);

    /// <summary>Throws when the principal may not perform the action (404 if it may not even see the dataset).</summary>
    void Authorize(Principal principal, DatasetDefinition dataset, DataAction action);

    /// <summary>The query as this principal may run it.</summary>
    RowsQuery Apply(Principal principal, DatasetDefinition dataset, RowsQuery query);
}

/// <summary>
/// The policy of a server started with --dev: every dataset is readable in full. Only for local work;
/// without --dev the server authenticates every request first.
/// </summary>
public sealed class DevAccessPolicy : IAccessPolicy
{
    public bool CanSee(Principal principal, DatasetDefinition dataset) => true;

    public void Authorize(Principal principal, DatasetDefinition dataset, DataAction action) { }

    public RowsQuery Apply(Principal principal, DatasetDefinition dataset, RowsQuery query) => query;
}
