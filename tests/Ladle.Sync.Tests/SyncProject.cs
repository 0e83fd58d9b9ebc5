using System.Globalization;
using System.Text;
using Ladle.Core.Loading;
using Ladle.Engine;
using Ladle.Engine.Access;
using Ladle.Engine.Serving;
using Ladle.Syncs.Delivery;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ladle.Syncs.Tests;

/// <summary>
/// A project folder on disk with a customers dataset (email is PII) read from a CSV, access.yaml with a sync
/// principal cleared for PII and one that is not, and syncs written by each test; opened as `ladle serve` opens it,
/// with the read pipeline and the sync service over the real DuckDB and SQLite files.
/// </summary>
internal sealed class SyncProject : IAsyncDisposable
{
    private LadleEngine? _engine;
    private AuditWriter? _audit;

    public SyncProject()
    {
        Write("ladle.yaml", "name: synctest\nsources:\n  files:\n    kind: files\n    path: data\n");
        Write("datasets/customers.yaml", """
            name: customers
            domain: crm
            source: files
            table: customers.csv
            primary_key: [id]
            columns:
              - { name: id, type: integer }
              - { name: email, type: string, pii: true, mask: hash }
              - { name: score, type: string }
              - { name: tier, type: string }
            checks:
              - { name: tier_known, type: accepted_values, column: tier, values: [gold, silver, bronze], severity: error }
            """);
        Write("access.yaml", """
            roles:
              syncer:
                pii: true
                grants:
                  - { actions: [read, export], domains: [crm] }
              masked_syncer:
                grants:
                  - { actions: [read, export], domains: [crm] }
            principals:
              crm_sync: { kind: service, roles: [syncer] }
              crm_masked: { kind: service, roles: [masked_syncer] }
            """);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "ladle-sync-" + Guid.NewGuid().ToString("N"));

    /// <summary>Environment variables the destinations read (per test, never the process's own).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public LadleEngine Engine => _engine ?? throw new InvalidOperationException("open the project first");

    public SyncService Service { get; private set; } = null!;

    public SyncProject Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return this;
    }

    /// <summary>Writes customers.csv: rows of (id, email, score, tier); a null id is written empty.</summary>
    public SyncProject Customers(IEnumerable<(long? Id, string Email, string Score, string Tier)> rows)
    {
        var csv = new StringBuilder("id,email,score,tier\n");
        foreach (var (id, email, score, tier) in rows)
            csv.Append(id?.ToString(CultureInfo.InvariantCulture) ?? "").Append(',').Append(email).Append(',').Append(score).Append(',').Append(tier).Append('\n');
        return Write("data/customers.csv", csv.ToString());
    }

    public static IEnumerable<(long? Id, string Email, string Score, string Tier)> Range(int from, int to, string tier = "gold", Func<int, string>? score = null) =>
        Enumerable.Range(from, to - from + 1).Select(i => ((long?)i, $"c{i}@example.com", score?.Invoke(i) ?? (i % 100).ToString(CultureInfo.InvariantCulture), tier));

    public SyncProject Sync(string name, string yaml) => Write($"syncs/{name}.yaml", $"name: {name}\n{yaml}");

    public async Task OpenAsync()
    {
        var project = ProjectLoader.Load(Root);
        _engine = await LadleEngine.OpenAsync(project);
        var policy = new AccessPolicy(project, MaskKey.Load(Path.GetDirectoryName(project.StatePath)!), devAnonymousIsAdmin: false);
        _audit = new AuditWriter(_engine.State, NullLogger<AuditWriter>.Instance);
        var pipeline = new ReadPipeline(project, _engine.Reader, _engine.Schemas, _engine.Semantic, _engine.Trust, policy, _audit);
        Service = new SyncService(project, pipeline, _engine.Store, _engine.State, new SyncDestinations(Http, name => Environment.GetValueOrDefault(name)));
    }

    /// <summary>Closes the engine and opens the project again, as a restarted server or a new CLI process would (access.yaml read anew).</summary>
    public async Task ReopenAsync()
    {
        if (_audit is not null) await _audit.DisposeAsync();
        if (_engine is not null) await _engine.DisposeAsync();
        _audit = null;
        _engine = null;
        await OpenAsync();
    }

    /// <summary>Publishes customers from the current CSV; true when it published (false: quarantined or failed).</summary>
    public async Task<bool> PublishAsync() =>
        (await Engine.Publisher.MaterializeAsync(["customers"], "test", null, CancellationToken.None)).Single().Published;

    private static readonly HttpClient Http = new();

    public async ValueTask DisposeAsync()
    {
        if (_audit is not null) await _audit.DisposeAsync();
        if (_engine is not null) await _engine.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
