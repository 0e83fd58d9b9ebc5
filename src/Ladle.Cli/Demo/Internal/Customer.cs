namespace Ladle.Cli.Demo.Internal;

/// <summary>
/// A fictitious customer. <see cref="Activity"/> is how much they buy relative to others, and after
/// <see cref="ChurnsAt"/> they stop buying: the behaviour the churn model later has to discover.
/// </summary>
internal sealed record Customer(
    int Id,
    string FirstName,
    string LastName,
    string Email,
    string Phone,
    Country Country,
    string City,
    bool MarketingOptIn,
    DateTime SignedUpAt,
    DateTime UpdatedAt,
    double Activity,
    DateTime ChurnsAt);
