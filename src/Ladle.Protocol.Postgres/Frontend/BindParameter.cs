namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>One parameter value of a Bind: its bytes, or SQL NULL (sent as length -1).</summary>
public readonly struct BindParameter(ReadOnlyMemory<byte> value, bool isNull)
{
    /// <summary>The SQL NULL parameter.</summary>
    public static BindParameter Null => new(ReadOnlyMemory<byte>.Empty, isNull: true);

    /// <summary>The value in the parameter's format; empty when <see cref="IsNull"/>.</summary>
    public ReadOnlyMemory<byte> Value { get; } = value;

    /// <summary>True for SQL NULL.</summary>
    public bool IsNull { get; } = isNull;
}
