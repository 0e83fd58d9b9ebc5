namespace Ladle.Engine.Results;

/// <summary>
/// Another result's columns picked and renamed (a column may be shown twice, or not at all): the vectors are the
/// source's own, so nothing is copied. Disposing it disposes the source.
/// </summary>
public sealed class ProjectedResultStream : ResultStream
{
    private readonly ResultStream _source;
    private readonly IReadOnlyList<int> _picks;

    /// <param name="source">The result whose columns are shown.</param>
    /// <param name="columns">Each column shown: its name and the index of the source's column it shows.</param>
    public ProjectedResultStream(ResultStream source, IReadOnlyList<(string Name, int Source)> columns)
        : base(new ResultSchema(columns.Select(c => new ResultColumn(c.Name, source.Schema.Columns[c.Source].Type)).ToList()))
    {
        _source = source;
        _picks = columns.Select(c => c.Source).ToList();
        Version = source.Version;
    }

    public override async ValueTask<ColumnBatch?> ReadAsync(CancellationToken cancellationToken)
    {
        if (await _source.ReadAsync(cancellationToken) is not { } batch) return null;
        var projected = new ColumnBatch(_picks.Select(i => batch.Columns[i]).ToArray(), batch.Capacity) { Count = batch.Count };
        RowsRead += batch.Count;
        return projected;
    }

    public override async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await base.DisposeAsync();
    }
}
