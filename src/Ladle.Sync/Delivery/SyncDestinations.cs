using System.Text;
using Ladle.Core.Model.Syncs;

namespace Ladle.Syncs.Delivery;

/// <summary>Opens a sync's destination, reading its secrets from the environment variables the YAML names.</summary>
public sealed class SyncDestinations(HttpClient http, Func<string, string?>? environment = null)
{
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    public ISyncDestination Open(SyncDefinition sync)
    {
        var destination = sync.Destination;
        switch (destination.Kind)
        {
            case SyncDestinationKind.Webhook:
                var url = Variable(sync, "url_env", destination.UrlEnv!);
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                    throw new SyncDestinationException($"the environment variable {destination.UrlEnv} (url_env of sync '{sync.Name}', {sync.File}) does not hold an http(s) URL");
                var secret = destination.SecretEnv is { } secretEnv ? Encoding.UTF8.GetBytes(Variable(sync, "secret_env", secretEnv)) : null;
                return new WebhookDestination(http, uri, secret, destination.Timeout);
            case SyncDestinationKind.Postgres:
                return new PostgresDestination(Variable(sync, "connection_env", destination.ConnectionEnv!), destination.Table!, sync);
            case SyncDestinationKind.Hubspot:
                var baseUrl = destination.UrlEnv is { } urlEnv ? Variable(sync, "url_env", urlEnv) : HubSpotDestination.DefaultBaseUrl;
                if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
                    throw new SyncDestinationException($"the environment variable {destination.UrlEnv} (url_env of sync '{sync.Name}', {sync.File}) does not hold an http(s) URL such as {HubSpotDestination.DefaultBaseUrl}");
                return new HubSpotDestination(http, api, Variable(sync, "token_env", destination.TokenEnv!), sync);
            default:
                throw new SyncDestinationException($"sync '{sync.Name}' ({sync.File}): the {destination.Kind.ToString().ToLowerInvariant()} destination is not built yet; use webhook, postgres or hubspot");
        }
    }

    private string Variable(SyncDefinition sync, string key, string name) =>
        _environment(name) is { Length: > 0 } value
            ? value
            : throw new SyncDestinationException($"the environment variable {name} ({key} of sync '{sync.Name}', {sync.File}) is not set; export it where Ladle runs");
}
