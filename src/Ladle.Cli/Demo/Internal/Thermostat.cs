namespace Ladle.Cli.Demo.Internal;

/// <summary>A thermostat controlling one zone of a home; a faulty one heats regardless of its setpoint for a while.</summary>
internal sealed record Thermostat(
    string Id,
    Household Household,
    string Zone,
    int Zones,
    string Model,
    string Firmware,
    DateTime InstalledAt,
    int FaultFromHour,
    int FaultHours);
