using Ladle.Core.Model;

namespace Ladle.Engine.Results;

/// <summary>A column of a result: its name and logical type.</summary>
public sealed record ResultColumn(string Name, LadleType Type);

/// <summary>The columns of a result, in order.</summary>
public sealed class ResultSchema(IReadOnlyList<ResultColumn> columns)
{
    public IReadOnlyList<ResultColumn> Columns { get; } = columns;

    public int IndexOf(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (string.Equals(Columns[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
