using System.Globalization;
using System.Text;
using System.Text.Json;
using Ladle.Core.Model;

namespace Ladle.Engine.Alerts;

/// <summary>Renders an <see cref="AlertEvent"/> as the JSON body a channel of a given kind expects.</summary>
public static class AlertBody
{
    // Slack shows about 40,000 characters; a reason made of many failed checks should not come near that.
    private const int MaxSlackReason = 1000;

    /// <summary>The UTF-8 JSON body to POST to a channel of <paramref name="kind"/>.</summary>
    public static byte[] Render(AlertChannelKind kind, AlertEvent alert) => kind switch
    {
        AlertChannelKind.Slack => Slack(alert),
        _ => Webhook(alert),
    };

    /// <summary>The generic webhook document: every field of the event, snake_case, timestamps in ISO 8601 UTC.</summary>
    public static byte[] Webhook(AlertEvent alert)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event", alert.EventName);
            json.WriteString("dataset", alert.Dataset);
            if (alert.Sync is { } sync) json.WriteString("sync", sync);
            if (alert.Stream is { } stream) json.WriteString("stream", stream);
            if (alert.Key is { } key) json.WriteString("key", key);
            json.WriteString("kind", alert.Kind);
            json.WriteString("status", alert.Status);
            if (alert.Reason is null) json.WriteNull("reason");
            else json.WriteString("reason", alert.Reason);
            if (alert.Since is { } since) json.WriteString("since", since.ToUniversalTime());
            else json.WriteNull("since");
            json.WriteString("project", alert.Project);
            if (alert.VersionServed is { } version) json.WriteNumber("version_served", version);
            else json.WriteNull("version_served");
            json.WriteString("at", alert.At.ToUniversalTime());
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>A Slack incoming-webhook body: <c>{"text": "[ladle] orders FAILED: …"}</c>.</summary>
    public static byte[] Slack(AlertEvent alert) => JsonSerializer.SerializeToUtf8Bytes(
        new Dictionary<string, string> { ["text"] = SlackText(alert) });

    /// <summary>The one-line human message, with Slack's three control characters escaped.</summary>
    public static string SlackText(AlertEvent alert)
    {
        var text = new StringBuilder("[ladle] ");
        if (alert.Sync is { } sync) text.Append("sync ").Append(sync).Append(" (from ").Append(alert.Dataset).Append(") ");
        else if (alert.Stream is { } stream) text.Append("stream ").Append(stream).Append(alert.Key is { Length: > 0 } key ? " " + key : "").Append(' ');
        else text.Append(alert.Dataset).Append(' ');
        if (alert.Event == AlertEventKind.IncidentOpened)
            text.Append(alert.Kind.ToUpperInvariant()).Append(": ").Append(Shorten(alert.Reason ?? alert.Status));
        else
        {
            text.Append("RECOVERED (was ").Append(alert.Kind).Append("): status ").Append(alert.Status);
            if (alert.VersionServed is { } version) text.Append(", version ").Append(version.ToString(CultureInfo.InvariantCulture)).Append(" served");
            if (alert.Status != "ok" && alert.Reason is not null) text.Append("; ").Append(Shorten(alert.Reason));
        }
        text.Append(" (project ").Append(alert.Project).Append(')');
        return text.ToString().Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
    }

    private static string Shorten(string reason) => reason.Length <= MaxSlackReason ? reason : reason[..MaxSlackReason] + "…";
}
