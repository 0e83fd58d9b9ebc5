namespace Ladle.Protocol.Postgres;

/// <summary>A value's wire format in Bind and RowDescription.</summary>
public enum PgFormatCode : short
{
    Text = 0,
    Binary = 1,
}
