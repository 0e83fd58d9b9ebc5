using Ladle.Core.Errors;

namespace Ladle.Core.Model;

/// <summary>The body a notification channel expects.</summary>
public enum AlertChannelKind : byte
{
    /// <summary>A generic JSON document describing the incident, for any HTTP endpoint.</summary>
    Webhook,

    /// <summary>A Slack incoming-webhook body: one line of text.</summary>
    Slack,
}

/// <summary>A notification channel under <c>alerts:</c> in ladle.yaml: where incident messages are posted.</summary>
public sealed record AlertChannel
{
    public required string Name { get; init; }
    public required AlertChannelKind Kind { get; init; }
    public string? Description { get; init; }

    /// <summary>The endpoint written in the YAML (only for non-secret endpoints); null when <see cref="UrlEnv"/> is used.</summary>
    public string? Url { get; init; }

    /// <summary>The environment variable that holds the endpoint, read when the server starts (a Slack URL is a secret).</summary>
    public string? UrlEnv { get; init; }

    /// <summary>Datasets this channel hears about; empty means every dataset.</summary>
    public IReadOnlyList<string> Datasets { get; init; } = [];

    public required SourceLocation Location { get; init; }

    /// <summary>Where each entry of <see cref="Datasets"/> was written, for diagnostics.</summary>
    public IReadOnlyList<SourceLocation> DatasetLocations { get; init; } = [];

    /// <summary>True when incidents of <paramref name="dataset"/> are sent to this channel.</summary>
    public bool Covers(string dataset) =>
        Datasets.Count == 0 || Datasets.Contains(dataset, StringComparer.OrdinalIgnoreCase);
}
