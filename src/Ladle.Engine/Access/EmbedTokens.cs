using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Ladle.Core.Errors;
using Ladle.Core.Model;
using Ladle.Core.Policy;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ladle.Engine.Access;

/// <summary>
/// What an embed token carries: the principal whose 'embed' grants it reads through, the attributes it adds (for
/// their row filters), the datasets and metrics it narrows to, who it is for (the subject) and how long it lives.
/// </summary>
public sealed record EmbedRequest(string Principal, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string>? Datasets, IReadOnlyList<string>? Metrics, TimeSpan Ttl)
{
    /// <summary>The page's end user or tenant (rate limits, audit); by default its attributes as text.</summary>
    public string? Subject { get; init; }

    /// <summary>The only dashboards the page may open; null for no narrowing.</summary>
    public IReadOnlyList<string>? Dashboards { get; init; }

    /// <summary>Whether the page may export (csv, …) what it reads, through the same row filters.</summary>
    public bool Export { get; init; }

    /// <summary>How the embed page looks: accent, background, text (colours), font, mode (light or dark).</summary>
    public IReadOnlyDictionary<string, string>? Theme { get; init; }

    /// <summary>The subject as the token states it.</summary>
    public string SubjectOrDefault => Subject ?? DefaultSubject(Attributes);

    /// <summary>Attributes as <c>name=value,…</c> sorted, or '-' when there are none.</summary>
    public static string DefaultSubject(IReadOnlyDictionary<string, string> attributes) =>
        attributes.Count == 0 ? "-" : string.Join(",", attributes.OrderBy(a => a.Key, StringComparer.OrdinalIgnoreCase).Select(a => $"{a.Key}={a.Value}"));
}

/// <summary>
/// Short-lived signed tokens for pages that embed Ladle: HS256 only (no 'none', no switching algorithms), keys
/// from the environment, the first signs and up to two verify (rotation), expiry always required.
/// </summary>
public sealed class EmbedTokens
{
    private const string Audience = "ladle";
    private readonly ProjectDefinition _project;
    private readonly IReadOnlyList<SymmetricSecurityKey> _keys;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public EmbedTokens(ProjectDefinition project)
    {
        _project = project;
        var keys = new List<SymmetricSecurityKey>();
        foreach (var variable in project.Access.Embed.KeyEnvironmentVariables)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(value)) continue;
            var bytes = System.Text.Encoding.UTF8.GetBytes(value);
            if (bytes.Length < 32) throw new InvalidRequestException($"the embed signing key in {variable} is {bytes.Length} bytes; HS256 needs at least 32");
            keys.Add(new SymmetricSecurityKey(bytes) { KeyId = Convert.ToHexString(SHA256.HashData(bytes))[..12].ToLowerInvariant() });
        }
        _keys = keys;
    }

    private string Issuer => "ladle:" + _project.Name;

    public bool Enabled => _keys.Count > 0;

    /// <summary>True when the text has the shape of a JWT.</summary>
    public static bool LooksLikeJwt(string text) => text.Count(c => c == '.') == 2 && text.StartsWith("eyJ", StringComparison.Ordinal);

    public (string Token, DateTimeOffset ExpiresAt) Sign(EmbedRequest request, DateTimeOffset now)
    {
        if (!Enabled)
            throw new InvalidRequestException("embed tokens are not configured: set embed.signing_key_envs in access.yaml and export a key of at least 32 bytes");
        if (!_project.Access.Principals.ContainsKey(request.Principal))
            throw new InvalidRequestException($"no principal '{request.Principal}' in access.yaml", "principal");
        if (request.Ttl <= TimeSpan.Zero || request.Ttl > _project.Access.Embed.MaxTtl)
            throw new InvalidRequestException($"ttl {request.Ttl} is not between 1s and embed.max_ttl ({_project.Access.Embed.MaxTtl}) of access.yaml", "ttl");
        var expires = now + request.Ttl;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = request.Principal,
            ["attrs"] = request.Attributes,
            ["subject"] = request.SubjectOrDefault,
        };
        if (request.Datasets is not null) claims["datasets"] = request.Datasets;
        if (request.Metrics is not null) claims["metrics"] = request.Metrics;
        if (request.Dashboards is not null) claims["dashboards"] = request.Dashboards;
        if (request.Export) claims["export"] = true;
        if (request.Theme is { Count: > 0 } theme) claims["theme"] = theme;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(_keys[0], SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    /// <summary>The principal an embed token stands for, or 401 saying why not.</summary>
    public async Task<Principal> ValidateAsync(string token)
    {
        if (!Enabled) throw new UnauthorizedException("embed tokens are not accepted by this server (no signing key configured)");
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKeys = _keys,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        });
        if (!result.IsValid)
            throw new UnauthorizedException($"invalid embed token: {Reason(result.Exception)}");
        var jwt = (JsonWebToken)result.SecurityToken;
        var subject = jwt.Subject;
        if (!_project.Access.Principals.TryGetValue(subject, out var definition))
            throw new UnauthorizedException($"the embed token's principal '{subject}' is not in access.yaml");
        // The token adds attributes; those access.yaml gives the principal always win, so its own filters stay applied.
        var attributes = new Dictionary<string, string>(definition.Attributes, StringComparer.OrdinalIgnoreCase);
        var added = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (jwt.TryGetPayloadValue<JsonElement>("attrs", out var attrs) && attrs.ValueKind == JsonValueKind.Object)
            foreach (var property in attrs.EnumerateObject())
            {
                added[property.Name] = property.Value.ToString();
                attributes.TryAdd(property.Name, property.Value.ToString());
            }
        var datasets = ListClaim(jwt, "datasets");
        var metrics = ListClaim(jwt, "metrics");
        return new Principal(definition.Name, attributes)
        {
            Method = AuthMethod.Embed,
            // A token that names only metrics reads no dataset's rows.
            AllowedDatasets = datasets ?? (metrics is not null ? [] : null),
            AllowedMetrics = metrics,
            AllowedDashboards = ListClaim(jwt, "dashboards"),
            MayExport = jwt.TryGetPayloadValue<bool>("export", out var export) && export,
            Subject = jwt.TryGetPayloadValue<string>("subject", out var endUser) && !string.IsNullOrEmpty(endUser) ? endUser : EmbedRequest.DefaultSubject(added),
        };
    }

    private static IReadOnlyList<string>? ListClaim(JsonWebToken jwt, string name) =>
        jwt.TryGetPayloadValue<JsonElement>(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => v.ToString()).ToList()
            : null;

    private static string Reason(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "it has expired",
        SecurityTokenInvalidAlgorithmException => "its algorithm is not HS256",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "its signature does not verify",
        SecurityTokenNoExpirationException => "it has no expiry",
        SecurityTokenInvalidIssuerException or SecurityTokenInvalidAudienceException => "it was not issued by this project",
        null => "rejected",
        _ => e.Message,
    };
}
