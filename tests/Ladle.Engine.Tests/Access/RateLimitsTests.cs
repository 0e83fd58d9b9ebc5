using Ladle.Core.Access;
using Ladle.Core.Errors;
using Ladle.Core.Policy;
using Ladle.Engine.Access;
using Microsoft.Extensions.Time.Testing;

namespace Ladle.Engine.Tests.Access;

/// <summary>
/// The per-node budgets of requests and rows: each embed subject has its own, and the budgets nobody spends are
/// forgotten, so a server that embeds pages for many tenants does not keep one budget (and one timer) per tenant ever seen.
/// </summary>
public sealed class RateLimitsTests
{
    private static readonly AccessDefinition Access = new() { DefaultRateLimit = new RateLimit(1000, 100) };

    private static Principal Embedded(string subject) =>
        new("shop", new Dictionary<string, string>()) { Method = AuthMethod.Embed, Subject = subject };

    [Fact]
    public async Task Budgets_nobody_spends_are_forgotten_and_one_in_use_still_holds_its_limit()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var limits = new RateLimits(Access, clock);
        for (var i = 0; i < 50; i++)
        {
            var tenant = Embedded($"tenant-{i}");
            limits.CheckRequest(tenant);
            limits.CheckRows(tenant);
            limits.CountRows(tenant, 10);
        }
        Assert.Equal(100, limits.Remembered);

        // A busy tenant spends its 100 rows of this minute.
        var busy = Embedded("busy");
        limits.CountRows(busy, 100);
        Assert.Throws<RateLimitedException>(() => limits.CheckRows(busy));

        // A minute on, the other tenants' row windows are over and their request buckets refill (on the limiter's
        // own timer, in real time): the next request forgets them all.
        clock.Advance(TimeSpan.FromSeconds(61));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (limits.Remembered > 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            clock.Advance(TimeSpan.FromMinutes(1));
            limits.CheckRequest(Embedded("probe"));
        }
        Assert.InRange(limits.Remembered, 1, 2);

        // Forgetting never forgives: a new minute's rows are counted from zero, and a spent minute still refuses.
        limits.CountRows(busy, 100);
        Assert.Throws<RateLimitedException>(() => limits.CheckRows(busy));
        limits.CheckRows(Embedded("tenant-0"));
    }
}
