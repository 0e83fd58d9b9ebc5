using System.Globalization;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Engine.Serving;
using Ladle.Engine.Trust;
using Microsoft.AspNetCore.Http;

namespace Ladle.Server.Apis;

/// <summary>
/// The HTTP sink of every read: the encoder of <c>format=</c>, and the answer's trust stated as headers the same way
/// for rows and metrics (Ladle-Data-Status, its reason, Warning for stale data that warns, Ladle-Datasets), plus
/// what each kind adds (a rows answer's version and publication time; a metric answer's entity tag and what answered).
/// </summary>
internal sealed class HttpReadSink(HttpContext context, string? format, ProjectDefinition project) : EncoderSink(format)
{
    public override Stream Begin(ReadAnswer answer)
    {
        var response = context.Response;
        var headers = response.Headers;
        headers["Ladle-Data-Status"] = answer.Health.StatusName;
        if (answer.Health.Status != DataStatus.Ok && answer.Health.Reason is { } reason)
            headers["Ladle-Data-Status-Reason"] = Uri.EscapeDataString(reason);
        headers["Ladle-Datasets"] = answer.Versions;
        if (answer.Plan.Kind == PlanKind.Rows)
        {
            var read = answer.Datasets[0];
            headers["Ladle-Dataset-Version"] = read.Version?.ToString(CultureInfo.InvariantCulture) ?? "live";
            if (read.PublishedAt is { } at) headers["Ladle-Published-At"] = at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }
        if (answer.ETag is { } etag)
        {
            headers.ETag = etag;
            // Always revalidate: the answer changes exactly when a dataset it read publishes, which no max-age can know.
            headers.CacheControl = "private, no-cache";
        }
        else if (answer.Plan.Kind == PlanKind.Metrics) headers.CacheControl = "no-store";
        if (answer.NotModified)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Stream.Null;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = Encoder.ContentType;
        if (answer.Plan.Kind == PlanKind.Metrics) headers["Ladle-Answered-By"] = answer.AnsweredBy;
        foreach (var read in answer.Datasets)
        {
            if (read.Health.Status != DataStatus.Stale || project.FindDataset(read.Dataset)?.OnStale != OnStale.Warn) continue;
            headers.Warning = "110 ladle \"Response is Stale\"";
            break;
        }
        if (Encoder.FileExtension != "json")
            headers.ContentDisposition = $"attachment; filename=\"{answer.Name}.{Encoder.FileExtension}\"";
        return response.Body;
    }
}
