namespace Ladle.Cli.Demo.Internal;

/// <summary>One row of fabric_batches: a delivery of fabric, how long it was stored and what inspection found.</summary>
internal sealed record FabricBatch(
    string BatchId,
    string Warehouse,
    string Supplier,
    string Fabric,
    double Meters,
    DateTime ReceivedAt,
    DateTime InspectedAt,
    string? DefectType);
