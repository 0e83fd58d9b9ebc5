using System.Security.Cryptography;
using Ladle.Server.Emulators;
using Spectre.Console;

namespace Ladle.Cli.Demo;

/// <summary>
/// The demo's CRM: a HubSpot-compatible emulator on loopback that the sync crm_customer_updates writes contacts to,
/// reached through the same environment variables a real HubSpot account would be (exported in this process only).
/// </summary>
internal static class DemoCrm
{
    public const string UrlVariable = "LADLE_DEMO_CRM_URL";
    public const string TokenVariable = "LADLE_DEMO_CRM_TOKEN";
    public const string Sync = "crm_customer_updates";

    /// <summary>Starts the emulator unless the variables already point at a CRM; null then.</summary>
    public static async Task<HubSpotEmulator?> StartAsync(string project, CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url)
        {
            AnsiConsole.MarkupLine($"The sync {Sync} writes to the CRM at {Markup.Escape(url)} ({UrlVariable}).");
            return null;
        }
        var token = "demo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        // HubSpot Professional's limits: 190 requests per 10 seconds, 625,000 a day.
        var crm = await HubSpotEmulator.StartAsync(new HubSpotEmulatorOptions { Token = token, WindowLimit = 190, DailyLimit = 625_000 }, ct);
        Environment.SetEnvironmentVariable(UrlVariable, crm.BaseUrl.ToString());
        Environment.SetEnvironmentVariable(TokenVariable, token);
        var dir = Markup.Escape(project);
        AnsiConsole.MarkupLine($"[green]CRM emulator[/] (HubSpot-compatible, contacts by email) on {crm.BaseUrl}. Watch a reverse-ETL sync, from another shell:");
        AnsiConsole.MarkupLine($"     ladle sync plan {Sync} -p {dir}     (what would be sent, with samples)");
        AnsiConsole.MarkupLine($"     ladle sync run {Sync} -p {dir}      (send it; run it again: nothing is sent)");
        AnsiConsole.MarkupLine($"     curl -H 'Authorization: Bearer {token}' '{crm.BaseUrl}crm/v3/objects/contacts?limit=3'");
        return crm;
    }
}
