using Ladle.Core.Errors;
using Ladle.Core.Policy;
using Microsoft.AspNetCore.Http;

namespace Ladle.Server.Hosting;

/// <summary>
/// The principal step of the read path for HTTP. Until tokens exist, only a server started with --dev answers,
/// and then as an anonymous local principal; otherwise every data request is refused with 401.
/// </summary>
public sealed class PrincipalResolver(LadleServerOptions options)
{
    public Principal Resolve(HttpContext context)
    {
        if (options.Dev) return Principal.DevAnonymous;
        throw new UnauthorizedException(
            "authentication required: this server serves nothing anonymously; start it with --dev for local, unauthenticated use");
    }
}

/// <summary>No credentials, or credentials that are not valid: HTTP 401.</summary>
public sealed class UnauthorizedException(string message) : LadleException(message)
{
    public override string Kind => "unauthorized";
}
