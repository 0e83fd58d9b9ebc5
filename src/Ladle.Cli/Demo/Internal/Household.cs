namespace Ladle.Cli.Demo.Internal;

/// <summary>A home in the thermostat programme and the habits that shape its heating.</summary>
internal sealed record Household(
    int Id,
    int City,
    double FloorAreaM2,
    int Occupants,
    string Heating,
    DateTime EnrolledAt,
    double ComfortC,
    double NightC,
    bool AwayOnWeekdays);
