namespace Ladle.Protocol.Postgres.Frontend;

/// <summary>What a Describe or Close names: a prepared statement or a portal.</summary>
public enum TargetKind : byte
{
    Statement = (byte)'S',
    Portal = (byte)'P',
}
