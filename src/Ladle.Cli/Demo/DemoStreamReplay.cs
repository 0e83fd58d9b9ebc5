using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Ladle.Cli.Demo.Internal;
using Spectre.Console;

namespace Ladle.Cli.Demo;

/// <summary>
/// The demo's live thermostat fleet: replays the generated hourly readings, in event-time order, into the
/// <c>thermostat_events</c> stream over the served HTTP API, at a steady rate of events per second. Once the four
/// recorded weeks are sent it goes on with them again, four weeks later in event time, so windows keep closing. A
/// restarted demo resumes after the stream's watermark (plus its lateness) rather than sending hours twice.
/// </summary>
internal sealed class DemoStreamReplay
{
    public const string Stream = "thermostat_events";

    /// <summary>Events per second when --stream-rate is not given: an hour of the default fleet's readings every ~3 s.</summary>
    public const int DefaultRate = 250;

    private static readonly TimeSpan Lateness = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Loop = TimeSpan.FromDays(DemoCalendar.ReadingDays);

    private readonly string _project;
    private readonly HttpClient _http;
    private readonly int _rate;

    public DemoStreamReplay(string project, Uri server, int rate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        _project = project;
        _rate = rate;
        _http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Events sent and accepted so far.</summary>
    public long Accepted { get; private set; }

    /// <summary>The address a newcomer curls for the live hourly windows.</summary>
    public static string LivePath => $"/api/v1/streams/{Stream}/live";

    /// <summary>Sends until cancelled; never throws for a refused or failed request (it waits and tries the batch again).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            var resumeAfter = await WaitForStreamAsync(ct);
            var batch = new List<string>(Math.Max(1, _rate / 10));
            var clock = Stopwatch.StartNew();
            long paced = 0;
            for (var loop = 0; ; loop++)
            {
                var shift = TimeSpan.FromTicks(Loop.Ticks * loop);
                var sent = 0L;
                foreach (var line in Readings(shift, resumeAfter))
                {
                    batch.Add(line);
                    if (batch.Count < batch.Capacity) continue;
                    paced = await PaceAsync(clock, paced, batch.Count, ct);
                    await SendAsync(batch, ct);
                    sent += batch.Count;
                    batch.Clear();
                }
                if (batch.Count > 0)
                {
                    paced = await PaceAsync(clock, paced, batch.Count, ct);
                    await SendAsync(batch, ct);
                    sent += batch.Count;
                    batch.Clear();
                }
                // Nothing left to send in this loop's four weeks means the readings are missing: stop rather than spin.
                if (sent == 0 && loop > 0 && resumeAfter < DemoCalendar.Anchor + shift) return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            _http.Dispose();
        }
    }

    /// <summary>Waits until the batch is due at the steady rate; a server that falls behind is not flooded to catch up.</summary>
    private async Task<long> PaceAsync(Stopwatch clock, long paced, int count, CancellationToken ct)
    {
        var due = TimeSpan.FromSeconds((double)paced / _rate);
        var wait = due - clock.Elapsed;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
        else if (wait < TimeSpan.FromSeconds(-1)) paced = (long)(clock.Elapsed.TotalSeconds * _rate);
        return paced + count;
    }

    private async Task SendAsync(List<string> batch, CancellationToken ct)
    {
        var body = string.Join('\n', batch);
        var warned = false;
        while (true)
        {
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/x-ndjson");
                using var response = await _http.PostAsync($"/api/v1/streams/{Stream}/events", content, ct);
                if (response.IsSuccessStatusCode)
                {
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                    Accepted += answer.RootElement.GetProperty("accepted").GetInt64();
                    return;
                }
                // 503 while the stream replays its log at start: the answer says when to try again.
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5);
                if (!warned && response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    AnsiConsole.MarkupLine($"[yellow]The thermostat replay's batch was refused[/] ({(int)response.StatusCode}): {Markup.Escape(await response.Content.ReadAsStringAsync(ct))}");
                warned = true;
                await Task.Delay(wait, ct);
            }
            catch (HttpRequestException)
            {
                // The server is starting or going away: the batch is sent again once it answers.
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    /// <summary>Waits until the stream answers and returns the event time up to which it already holds readings.</summary>
    private async Task<DateTime> WaitForStreamAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync($"/api/v1/streams/{Stream}", ct);
                if (response.IsSuccessStatusCode)
                {
                    using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                    return status.RootElement.TryGetProperty("watermark", out var watermark) && watermark.ValueKind == JsonValueKind.String
                        ? watermark.GetDateTimeOffset().UtcDateTime + Lateness
                        : DateTime.MinValue;
                }
            }
            catch (HttpRequestException) { /* not listening yet */ }
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    /// <summary>The recorded readings in event-time order, moved on by <paramref name="shift"/>, after <paramref name="after"/>, as NDJSON lines.</summary>
    private IEnumerable<string> Readings(TimeSpan shift, DateTime after)
    {
        var glob = Path.Combine(_project, DemoPaths.ReadingsGlob).Replace("'", "''", StringComparison.Ordinal);
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $$"""
            SELECT device_id, household_id, reading_at, kwh, indoor_temp_c
            FROM read_csv('{{glob}}', header = true, columns = {'device_id': 'VARCHAR', 'household_id': 'INTEGER', 'reading_at': 'TIMESTAMP',
                'kwh': 'DOUBLE', 'indoor_temp_c': 'DOUBLE', 'outdoor_temp_c': 'DOUBLE', 'setpoint_c': 'DOUBLE'})
            WHERE reading_at > $1
            ORDER BY reading_at, device_id
            """;
        command.Parameters.Add(new DuckDBParameter(after == DateTime.MinValue ? DateTime.MinValue.AddYears(1) : after - shift));
        using var reader = command.ExecuteReader();
        var buffer = new MemoryStream();
        while (reader.Read())
        {
            buffer.SetLength(0);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("device_id", reader.GetString(0));
                json.WriteNumber("household_id", reader.GetInt32(1));
                json.WriteString("reading_at", DateTime.SpecifyKind(reader.GetDateTime(2) + shift, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                json.WriteNumber("kwh", reader.GetDouble(3));
                json.WriteNumber("indoor_temp_c", reader.GetDouble(4));
                json.WriteEndObject();
            }
            yield return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
    }
}
