namespace Ladle.Server.Emulators;

/// <summary>One batch request as the emulator received it, for a fault rule to judge.</summary>
/// <param name="Number">1-based count of batch requests so far (rate-limited ones included).</param>
/// <param name="Operation">create, update, upsert, read or archive.</param>
/// <param name="Keys">The inputs' unique values (or record ids, for archive), as sent.</param>
public sealed record HubSpotRequest(int Number, string ObjectType, string Operation, IReadOnlyList<string> Keys);

/// <summary>
/// What the emulator does to a request instead of (or besides) answering it as HubSpot would: the failures a real
/// CRM shows under load, so a sync can be watched (and tested) riding them out.
/// </summary>
public abstract record HubSpotFault
{
    /// <summary>Answers this status with HubSpot's error body, applying nothing (429 with a Retry-After, 5xx, 409, 400…).</summary>
    public sealed record Status(int Code, int? RetryAfterSeconds = null, string? PolicyName = null) : HubSpotFault;

    /// <summary>Waits, then answers normally (a slow CRM; past the client's timeout it is a timeout).</summary>
    public sealed record Slow(TimeSpan Delay) : HubSpotFault;

    /// <summary>Closes the connection without an answer and applies nothing.</summary>
    public sealed record Drop : HubSpotFault;

    /// <summary>Applies the request, then closes the connection without an answer (the answer is lost; the writes are not). Runs <paramref name="Applied"/> first.</summary>
    public sealed record DropAfterApplying(Action? Applied = null) : HubSpotFault;

    /// <summary>Refuses these keys' inputs with a validation error (a 207 naming each), applying the rest.</summary>
    public sealed record Reject(IReadOnlySet<string> Keys, string Message = "Property values were not valid") : HubSpotFault;
}
