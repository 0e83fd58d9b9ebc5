namespace Ladle.Engine.Results;

/// <summary>A run of rows held column by column; the unit every encoder consumes.</summary>
public sealed class ColumnBatch
{
    /// <summary>Rows per batch read from an engine.</summary>
    public const int DefaultCapacity = 4096;

    public ColumnBatch(ResultSchema schema, int capacity = DefaultCapacity)
    {
        Capacity = capacity;
        Columns = schema.Columns.Select(c => new ColumnVector(c.Type, capacity)).ToArray();
    }

    /// <summary>A batch over vectors that already hold rows (another batch's, in another order): nothing is copied.</summary>
    public ColumnBatch(ColumnVector[] columns, int capacity)
    {
        Capacity = capacity;
        Columns = columns;
    }

    public int Capacity { get; }

    /// <summary>Rows filled, from 0 to <see cref="Capacity"/>.</summary>
    public int Count { get; set; }

    public ColumnVector[] Columns { get; }
}
