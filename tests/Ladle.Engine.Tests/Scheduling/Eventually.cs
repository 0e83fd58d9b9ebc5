namespace Ladle.Engine.Tests.Scheduling;

/// <summary>Waits for something other threads make true (runs finish on the thread pool), with a generous limit.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static async Task True(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    public static async Task True(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    public static async Task<T> Value<T>(Func<T?> probe, string what) where T : class
    {
        T? value = null;
        await True(() => (value = probe()) is not null, what);
        return value!;
    }
}
