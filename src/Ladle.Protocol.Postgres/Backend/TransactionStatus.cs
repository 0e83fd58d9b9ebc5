namespace Ladle.Protocol.Postgres.Backend;

/// <summary>The transaction status ReadyForQuery reports.</summary>
public enum TransactionStatus : byte
{
    Idle = (byte)'I',
    InTransaction = (byte)'T',
    Failed = (byte)'E',
}
