namespace Ladle.Cli.Demo.Internal;

/// <summary>One row of inventory: a merchant's stock of one product.</summary>
internal sealed record StockLevel(int MerchantId, int ProductId, int OnHand, int ReorderPoint, DateTime UpdatedAt);
