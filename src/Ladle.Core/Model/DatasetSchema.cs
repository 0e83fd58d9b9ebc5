namespace Ladle.Core.Model;

/// <summary>A column as served: the declared contract where there is one, else what the source reports.</summary>
public sealed record SchemaColumn(string Name, LadleType Type, bool Pii = false, string? Description = null, MaskKind Mask = MaskKind.Redact);

/// <summary>The resolved columns of a dataset, in serving order.</summary>
public sealed class DatasetSchema(IReadOnlyList<SchemaColumn> columns)
{
    public IReadOnlyList<SchemaColumn> Columns { get; } = columns;

    public SchemaColumn? Find(string name) =>
        Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    public IEnumerable<string> Names => Columns.Select(c => c.Name);
}
