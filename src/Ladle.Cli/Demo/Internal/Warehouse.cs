namespace Ladle.Cli.Demo.Internal;

/// <summary>A fabric warehouse: its usual climate, how often its dehumidifiers fail, and its sensors' name prefix.</summary>
internal sealed record Warehouse(string Name, string SensorPrefix, double BaseTemperatureC, double BaseHumidityPct, int HvacFailures, double BatchShare);
