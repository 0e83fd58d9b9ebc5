using System.Globalization;
using Ladle.Core.Errors;
using StackExchange.Redis;

namespace Ladle.Engine.Features;

/// <summary>
/// The online store in Redis, for several nodes. Keys of a view share one hash tag (<c>{view}</c>, one cluster slot):
/// <c>&lt;prefix&gt;{view}:current</c> holds the current version; <c>…:v&lt;N&gt;:e:&lt;entity&gt;</c> each entity's entry of
/// version N (<see cref="OnlineEntryCodec"/>), <c>…:v&lt;N&gt;:count</c> how many. A publication writes version N's
/// keys, then moves <c>current</c> to N in a Lua script only if N is not older than the version there (atomic: two
/// writers in any order leave the newer version current), then deletes the version it replaced — or its own keys
/// when it lost. A lookup reads <c>current</c> and MGETs the entities in one script: one round trip, one version.
/// </summary>
public sealed class RedisOnlineBackend : IOnlineFeatureBackend
{
    /// <summary>Entities per MSET while publishing, and per MGET inside the lookup script.</summary>
    private const int Chunk = 500;

    private const string LookupScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then return {} end
        local out = {v}
        local base = ARGV[1] .. v .. ':e:'
        local batch = {}
        for i = 2, #ARGV do
          batch[#batch + 1] = base .. ARGV[i]
          if #batch == 500 or i == #ARGV then
            local values = redis.call('MGET', unpack(batch))
            for j = 1, #values do out[#out + 1] = values[j] end
            batch = {}
          end
        end
        return out
        """;

    private const string SwitchScript = """
        local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
        local offered = tonumber(ARGV[1])
        if offered >= current then
          redis.call('SET', KEYS[1], ARGV[1])
          return {offered, current}
        end
        return {current, current}
        """;

    private const string DescribeScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then return {} end
        return {v, redis.call('GET', ARGV[1] .. v .. ':count') or '0'}
        """;

    private readonly ConnectionMultiplexer _redis;
    private readonly string _prefix;

    private RedisOnlineBackend(ConnectionMultiplexer redis, string prefix)
    {
        _redis = redis;
        _prefix = prefix;
    }

    public string Kind => "redis";

    /// <summary>Connects with the StackExchange.Redis configuration string held by <paramref name="connectionEnv"/>.</summary>
    public static RedisOnlineBackend Connect(string connectionEnv, string prefix)
    {
        var configuration = Environment.GetEnvironmentVariable(connectionEnv);
        if (string.IsNullOrWhiteSpace(configuration))
            throw new SourceUnavailableException("features.online",
                $"the online store is redis, but the environment variable {connectionEnv} (features.online.connection_env in ladle.yaml) is not set; set it to e.g. 'localhost:6379,password=…'");
        return ConnectTo(configuration, prefix);
    }

    /// <summary>Connects with a configuration string (tests and benchmarks).</summary>
    public static RedisOnlineBackend ConnectTo(string configuration, string prefix)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException e)
        {
            // The string may hold a password: it is not repeated.
            throw new SourceUnavailableException("features.online", $"the redis configuration of the online store does not parse: {e.GetType().Name}; expected host:port[,password=…]", e);
        }
        options.AbortOnConnectFail = false;
        return new RedisOnlineBackend(ConnectionMultiplexer.Connect(options), prefix);
    }

    public async Task<long> PublishAsync(string view, long version, IReadOnlyDictionary<string, OnlineEntry> entries, CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase();
        var versionPrefix = VersionPrefix(view, version);
        try
        {
            // Merged, entity by entity, into the version current when the publication starts (OnlineEntry.Merge).
            var held = await db.StringGetAsync(CurrentKey(view));
            if (held.HasValue && long.TryParse((string?)held, NumberStyles.Integer, CultureInfo.InvariantCulture, out var currentVersion) && currentVersion <= version)
            {
                var inPlace = await ReadVersionAsync(view, currentVersion, cancellationToken);
                if (inPlace.Count > 0) entries = OnlineEntry.Merge(inPlace, entries);
            }
            var batch = new List<KeyValuePair<RedisKey, RedisValue>>(Chunk);
            foreach (var (key, entry) in entries)
            {
                batch.Add(new(versionPrefix + "e:" + key, OnlineEntryCodec.Encode(entry)));
                if (batch.Count == Chunk) await FlushAsync();
            }
            batch.Add(new(versionPrefix + "count", entries.Count));
            await FlushAsync();

            var switched = (RedisResult[])(await db.ScriptEvaluateAsync(SwitchScript, [CurrentKey(view)], [version]))!;
            var current = (long)switched[0];
            var replaced = (long)switched[1];
            if (current != version) await DeleteVersionAsync(view, version);
            else if (replaced >= 0 && replaced != version) await DeleteVersionAsync(view, replaced);
            return current;

            async Task FlushAsync()
            {
                cancellationToken.ThrowIfCancellationRequested();
                await db.StringSetAsync(batch.ToArray());
                batch.Clear();
            }
        }
        catch (RedisException e)
        {
            throw Unavailable(e);
        }
    }

    public async ValueTask<OnlineRead> ReadAsync(string view, IReadOnlyList<string?> keys, CancellationToken cancellationToken)
    {
        var asked = new List<RedisValue>(keys.Count + 1) { (RedisValue)VersionBase(view) };
        foreach (var key in keys) if (key is not null) asked.Add(key);
        RedisResult[] found;
        try
        {
            found = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(LookupScript, [CurrentKey(view)], [.. asked]))!;
        }
        catch (RedisException e)
        {
            throw Unavailable(e);
        }
        var entries = new OnlineEntry?[keys.Count];
        if (found.Length == 0) return new OnlineRead(null, entries);
        var next = 1;
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i] is null) continue;
            var value = found[next++];
            if (!value.IsNull) entries[i] = OnlineEntryCodec.Decode((byte[])value!);
        }
        return new OnlineRead(long.Parse((string)found[0]!, CultureInfo.InvariantCulture), entries);
    }

    public async ValueTask<(long Version, long Entities)?> DescribeAsync(string view, CancellationToken cancellationToken)
    {
        try
        {
            var found = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(DescribeScript, [CurrentKey(view)], [VersionBase(view)]))!;
            return found.Length == 0 ? null : ((long)found[0], (long)found[1]);
        }
        catch (RedisException e)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Every entity's entry of a version, by entity key (SCAN and MGET in chunks, so the server is never blocked).</summary>
    private async Task<Dictionary<string, OnlineEntry>> ReadVersionAsync(string view, long version, CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase();
        var prefix = VersionPrefix(view, version) + "e:";
        var entries = new Dictionary<string, OnlineEntry>(StringComparer.Ordinal);
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var keys = new List<RedisKey>(Chunk);
            await foreach (var key in server.KeysAsync(db.Database, Glob(prefix) + "*", pageSize: 1000).WithCancellation(cancellationToken))
            {
                keys.Add(key);
                if (keys.Count == Chunk) await FetchAsync();
            }
            if (keys.Count > 0) await FetchAsync();

            async Task FetchAsync()
            {
                var values = await db.StringGetAsync(keys.ToArray());
                for (var i = 0; i < keys.Count; i++)
                    if (!values[i].IsNull) entries[((string)keys[i]!)[prefix.Length..]] = OnlineEntryCodec.Decode((byte[])values[i]!);
                keys.Clear();
            }
        }
        return entries;
    }

    /// <summary>Every key of a version: its entries and its count (SCAN, so the server is never blocked).</summary>
    private async Task DeleteVersionAsync(string view, long version)
    {
        var db = _redis.GetDatabase();
        var pattern = Glob(VersionPrefix(view, version)) + "*";
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var doomed = new List<RedisKey>(Chunk);
            await foreach (var key in server.KeysAsync(db.Database, pattern, pageSize: 1000))
            {
                doomed.Add(key);
                if (doomed.Count == Chunk) { await db.KeyDeleteAsync(doomed.ToArray()); doomed.Clear(); }
            }
            if (doomed.Count > 0) await db.KeyDeleteAsync(doomed.ToArray());
        }
    }

    /// <summary>How many keys Ladle holds for a view (tests: nothing of a replaced or losing version is left).</summary>
    internal async Task<long> CountKeysAsync(string view)
    {
        long count = 0;
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            await foreach (var _ in server.KeysAsync(_redis.GetDatabase().Database, Glob(ViewPrefix(view)) + "*", pageSize: 1000)) count++;
        return count;
    }

    private string ViewPrefix(string view) => _prefix + "{" + view.ToLowerInvariant() + "}:";
    private RedisKey CurrentKey(string view) => ViewPrefix(view) + "current";
    private string VersionBase(string view) => ViewPrefix(view) + "v";
    private string VersionPrefix(string view, long version) => VersionBase(view) + version.ToString(CultureInfo.InvariantCulture) + ":";

    private static string Glob(string literal)
    {
        var text = new System.Text.StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') text.Append('\\');
            text.Append(c);
        }
        return text.ToString();
    }

    private static SourceUnavailableException Unavailable(RedisException e) =>
        new("features.online", $"the redis online store did not answer ({e.GetType().Name}); lookups resume when it does", e);

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();
}
