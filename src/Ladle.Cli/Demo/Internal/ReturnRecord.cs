namespace Ladle.Cli.Demo.Internal;

/// <summary>A returned order, collected while orders are generated and written once they are all known.</summary>
internal sealed record ReturnRecord(long OrderId, int CustomerId, int MerchantId, string Reason, decimal RefundAmount, DateTime ReturnedAt);
