namespace Ladle.Engine.Tests.Semantic;

/// <summary>A clock stopped at one instant, so relative ranges ("yesterday") resolve the same on every run.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
