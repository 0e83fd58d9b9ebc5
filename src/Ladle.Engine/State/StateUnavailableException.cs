using Ladle.Core.Errors;

namespace Ladle.Engine.State;

/// <summary>
/// A shared state store (PostgreSQL) cannot be reached or is not configured: no connection string in its environment
/// variable, a server that is down or refuses the credentials. Waiting (or fixing the setting) helps: HTTP 503.
/// </summary>
public sealed class StateUnavailableException(string message, Exception? inner = null) : LadleException(message, inner)
{
    public override string Kind => "state-unavailable";
    public override ErrorCategory Category => ErrorCategory.SourceUnavailable;
}
