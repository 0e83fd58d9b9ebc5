using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Ladle.Core.Queries;

namespace Ladle.Engine.Serving;

/// <summary>How much of a dataset a principal reads, which decides what it may be told about the dataset's rows.</summary>
public enum ReadScope : byte
{
    /// <summary>Every row, every column in clear: samples of failing rows and whole-dataset figures.</summary>
    Whole,

    /// <summary>Every row, some columns masked: whole-dataset figures, no samples (they are rows in clear).</summary>
    Masked,

    /// <summary>Some rows (a row filter), or no read grant at all: neither samples nor figures counted over every row.</summary>
    Filtered,
}

public sealed partial class ReadPipeline
{
    /// <summary>
    /// The scope in which a principal reads a dataset, for what is said about its rows outside a query (check
    /// samples and counts, version row counts): those are computed over every row in clear, so they are shown only
    /// to principals whose policy scope is the whole dataset (samples: in clear too). A principal that may only see
    /// the dataset (an embed or export grant without read), or whose row filter cannot be bound, is
    /// <see cref="ReadScope.Filtered"/>: nothing is ever widened by the scope being unknown.
    /// </summary>
    public async Task<ReadScope> ScopeAsync(Principal principal, DatasetDefinition dataset, CancellationToken cancellationToken)
    {
        DatasetSchema schema;
        try { schema = await _schemas.GetAsync(dataset, cancellationToken); }
        catch (LadleException)
        {
            // Nothing published yet and no declared columns: the declared ones (none) still bind filters and masks.
            schema = new DatasetSchema(dataset.Columns.Select(c => new SchemaColumn(c.Name, c.Type, c.Pii, c.Description, c.Mask)).ToList());
        }
        try
        {
            Policy.Authorize(principal, dataset, DataAction.Read);
            var applied = Policy.Apply(principal, dataset, schema, new RowsQuery { Dataset = dataset.Name });
            return applied.PolicyFilters.Count > 0 ? ReadScope.Filtered
                : applied.Masks.Count > 0 || (dataset.Columns.Any(c => c.Pii) && !Policy.HasPiiClearance(principal)) ? ReadScope.Masked
                : ReadScope.Whole;
        }
        catch (ForbiddenException)
        {
            return ReadScope.Filtered;
        }
    }
}
