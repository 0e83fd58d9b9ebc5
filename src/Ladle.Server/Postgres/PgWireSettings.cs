using System.Globalization;
using Ladle.Protocol.Postgres;

namespace Ladle.Server.Postgres;

/// <summary>
/// A session's run-time parameters (PostgreSQL's GUCs) as clients set and show them at connect time: the ones that
/// change how values are written are held to what Ladle writes (UTF8, ISO dates, postgres intervals, standard
/// strings); the rest are kept and shown back. Names are case-insensitive; a dotted name (a custom option) is accepted
/// as PostgreSQL accepts it, any other unknown name is 42704.
/// </summary>
internal sealed class PgWireSettings
{
    /// <summary>The server_version the wire reports (a plain 15.x number, which clients parse).</summary>
    public const string ServerVersion = PgServerParameters.ServerVersion;

    private static readonly Setting[] Known =
    [
        new("application_name", "", "Sets the application name to be reported in statistics and logs.", Report: true),
        new("bytea_output", "hex", "Sets the output format for bytea.", Validate: v => Only(v, "bytea_output", "hex")),
        new("client_encoding", "UTF8", "Sets the client's character set encoding.", Report: true, Validate: ClientEncoding),
        new("client_min_messages", "notice", "Sets the message levels that are sent to the client."),
        new("DateStyle", "ISO, MDY", "Sets the display format for date and time values.", Report: true, Validate: DateStyle),
        new("default_transaction_deferrable", "off", "Sets the default deferrable status of new transactions.", Validate: Boolean),
        new("default_transaction_isolation", "read committed", "Sets the transaction isolation level of each new transaction."),
        new("default_transaction_read_only", "on", "Sets the default read-only status of new transactions: Ladle is read-only.", Validate: Boolean),
        new("extra_float_digits", "1", "Sets the number of digits displayed for floating-point values.", Validate: ExtraFloatDigits),
        new("idle_in_transaction_session_timeout", "0", "Sets the maximum allowed idle time between queries, when in a transaction."),
        new("integer_datetimes", "on", "Shows whether datetimes are integer based.", Report: true, ReadOnly: true),
        new("IntervalStyle", "postgres", "Sets the display format for interval values.", Report: true, Validate: v => Only(v, "IntervalStyle", "postgres")),
        new("is_superuser", "off", "Shows whether the current user is a superuser.", Report: true, ReadOnly: true),
        new("jit", "off", "Allow JIT compilation.", Validate: Boolean),
        new("lc_messages", "C", "Sets the language in which messages are displayed."),
        new("lc_monetary", "C", "Sets the locale for formatting monetary amounts."),
        new("lc_numeric", "C", "Sets the locale for formatting numbers."),
        new("lc_time", "C", "Sets the locale for formatting date and time values."),
        new("lock_timeout", "0", "Sets the maximum allowed duration of any wait for a lock."),
        new("max_identifier_length", "63", "Shows the maximum identifier length.", ReadOnly: true),
        new("row_security", "on", "Enable row security: Ladle's row filters apply whatever this says.", Validate: Boolean),
        new("search_path", "\"$user\", public", "Sets the schema search order for names that are not schema-qualified."),
        new("server_encoding", "UTF8", "Shows the server (database) character set encoding.", Report: true, ReadOnly: true),
        new("server_version", ServerVersion, "Shows the server version.", Report: true, ReadOnly: true),
        new("server_version_num", "150018", "Shows the server version as an integer.", ReadOnly: true),
        new("session_authorization", "", "Sets the session user name.", Report: true, ReadOnly: true),
        new("standard_conforming_strings", "on", "Causes '...' strings to treat backslashes literally.", Report: true, Validate: v => Only(Boolean(v), "standard_conforming_strings", "on")),
        new("statement_timeout", "0", "Sets the maximum allowed duration of any statement.", Validate: ValidateTimeout),
        new("synchronous_commit", "on", "Sets the current transaction's synchronization level."),
        new("TimeZone", "UTC", "Sets the time zone for displaying and interpreting time stamps: values are written in UTC.", Report: true, Validate: TimeZone),
        new("transaction_isolation", "read committed", "Sets the current transaction's isolation level."),
        new("transaction_read_only", "on", "Sets the current transaction's read-only status: Ladle is read-only.", Validate: Boolean),
        new("work_mem", "4MB", "Sets the maximum memory to be used for query workspaces."),
        new("xmloption", "content", "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments."),
        new("escape_string_warning", "on", "Warn about backslash escapes in ordinary string literals.", Validate: Boolean),
        new("geqo", "on", "Enables genetic query optimization.", Validate: Boolean),
        new("join_collapse_limit", "8", "Sets the FROM-list size beyond which JOIN constructs are not flattened."),
        new("default_text_search_config", "pg_catalog.simple", "Sets default text search configuration."),
        new("timezone_abbreviations", "Default", "Selects a file of time zone abbreviations."),
    ];

    private static readonly Dictionary<string, Setting> ByName = Known.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _startup = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _custom = new(StringComparer.OrdinalIgnoreCase);

    // SET LOCAL / set_config(…, true) in a transaction block: what each parameter was before, restored when the block ends.
    private readonly Dictionary<string, (string? Value, string? Custom)> _beforeLocal = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The session's parameters, starting from the defaults, the user's name and what the StartupMessage set.</summary>
    public PgWireSettings(string user, IReadOnlyDictionary<string, string> startup)
    {
        _startup["session_authorization"] = user;
        foreach (var (name, value) in startup)
        {
            if (!ByName.TryGetValue(name, out var setting) || setting.ReadOnly) continue;
            try
            {
                _startup[setting.Name] = setting.Validate?.Invoke(value) ?? value;
            }
            catch (PgWireException)
            {
                // The listener answered the start-up; a value Ladle cannot honour there keeps the default.
            }
        }
    }

    /// <summary>The statement timeout the session set (null: none, the server's own applies).</summary>
    public TimeSpan? StatementTimeout => ParseTimeout(Get("statement_timeout").Value) is { } ms && ms > 0 ? TimeSpan.FromMilliseconds(ms) : null;

    /// <summary>True for a name SHOW answers from the session (a known parameter, or a custom one set before).</summary>
    public bool Knows(string name) => ByName.ContainsKey(name) || _custom.ContainsKey(name) || name.Equals("all", StringComparison.OrdinalIgnoreCase);

    /// <summary>A parameter's canonical name and value; 42704 for one Ladle does not know.</summary>
    public (string Name, string Value) Get(string name)
    {
        if (ByName.TryGetValue(name, out var setting))
            return (setting.Name, _values.GetValueOrDefault(setting.Name) ?? _startup.GetValueOrDefault(setting.Name) ?? setting.Default);
        if (_custom.TryGetValue(name, out var custom)) return (name.ToLowerInvariant(), custom);
        throw Unrecognized(name);
    }

    /// <summary>Every parameter with its value and description, for SHOW ALL.</summary>
    public IEnumerable<(string Name, string Value, string Description)> All() =>
        Known.OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Select(s => (s.Name, Get(s.Name).Value, s.Description))
            .Concat(_custom.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value, "Custom option.")));

    /// <summary>Sets a parameter; returns its canonical name and new value when clients track it (a ParameterStatus is owed), else null.</summary>
    public (string Name, string Value)? Set(string name, string value)
    {
        if (!ByName.TryGetValue(name, out var setting))
        {
            if (!name.Contains('.', StringComparison.Ordinal)) throw Unrecognized(name);
            _custom[name] = value;
            return null;
        }

        if (setting.ReadOnly) throw new PgWireException(PgErrors.CantChangeRuntimeParam, $"parameter \"{setting.Name}\" cannot be changed");
        var accepted = setting.Validate?.Invoke(value) ?? value;
        var before = Get(setting.Name).Value;
        _values[setting.Name] = accepted;
        return setting.Report && before != accepted ? (setting.Name, accepted) : null;
    }

    /// <summary>
    /// Sets a parameter (null: to its default) until the transaction block ends (SET LOCAL, set_config(…, true)); returns the ParameterStatus
    /// owed, if any. <see cref="EndTransaction"/> puts back what it was.
    /// </summary>
    public (string Name, string Value)? SetLocal(string name, string? value)
    {
        var canonical = ByName.TryGetValue(name, out var setting) ? setting.Name : name;
        var before = (_values.GetValueOrDefault(canonical), _custom.GetValueOrDefault(canonical));
        var status = value is null ? Reset(name) : Set(name, value);
        _beforeLocal.TryAdd(canonical, before);
        return status;
    }

    /// <summary>The transaction block ended (COMMIT, ROLLBACK): local settings go back to what they were; returns the ParameterStatus messages owed.</summary>
    public List<(string Name, string Value)> EndTransaction()
    {
        var owed = new List<(string, string)>();
        foreach (var (name, (value, custom)) in _beforeLocal)
        {
            if (!ByName.TryGetValue(name, out var setting))
            {
                if (custom is null) _custom.Remove(name);
                else _custom[name] = custom;
                continue;
            }

            var now = Get(name).Value;
            if (value is null) _values.Remove(name);
            else _values[name] = value;
            var after = Get(name).Value;
            if (setting.Report && now != after) owed.Add((setting.Name, after));
        }

        _beforeLocal.Clear();
        return owed;
    }

    /// <summary>Back to the start-up value (or the default); returns the ParameterStatus owed, if any.</summary>
    public (string Name, string Value)? Reset(string name)
    {
        if (!ByName.TryGetValue(name, out var setting))
        {
            if (_custom.Remove(name) || name.Contains('.', StringComparison.Ordinal)) return null;
            throw Unrecognized(name);
        }

        if (setting.ReadOnly) throw new PgWireException(PgErrors.CantChangeRuntimeParam, $"parameter \"{setting.Name}\" cannot be changed");
        var before = Get(setting.Name).Value;
        _values.Remove(setting.Name);
        var after = Get(setting.Name).Value;
        return setting.Report && before != after ? (setting.Name, after) : null;
    }

    /// <summary>RESET ALL / DISCARD ALL; returns the ParameterStatus messages owed.</summary>
    public List<(string Name, string Value)> ResetAll()
    {
        var owed = new List<(string, string)>();
        foreach (var name in _values.Keys.ToList())
            if (Reset(name) is { } status) owed.Add(status);
        _custom.Clear();
        _beforeLocal.Clear();
        return owed;
    }

    private static PgWireException Unrecognized(string name) => new(PgErrors.UndefinedObject, $"unrecognized configuration parameter \"{name}\"");

    private static PgWireException Invalid(string name, string value, string? hint = null) =>
        new(PgSqlState.InvalidParameterValue, $"invalid value for parameter \"{name}\": \"{value}\"", hint: hint);

    private static string Only(string value, string name, string allowed) =>
        value.Trim().Equals(allowed, StringComparison.OrdinalIgnoreCase) ? allowed : throw Invalid(name, value, $"Ladle supports only {allowed}");

    /// <summary>True for a Boolean parameter value PostgreSQL reads as true (on, true, yes, 1); 22023 for one it cannot read.</summary>
    public static bool IsTrue(string value) => Boolean(value) == "on";

    private static string Boolean(string value) => value.Trim().ToLowerInvariant() switch
    {
        "on" or "true" or "yes" or "1" or "t" or "y" => "on",
        "off" or "false" or "no" or "0" or "f" or "n" => "off",
        _ => throw new PgWireException(PgSqlState.InvalidParameterValue, $"parameter requires a Boolean value, not \"{value}\""),
    };

    private static string ClientEncoding(string value) =>
        value.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToUpperInvariant() is "UTF8" or "UNICODE"
            ? "UTF8"
            : throw Invalid("client_encoding", value, "Ladle speaks UTF8 only");

    private static string DateStyle(string value)
    {
        var parts = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p => p.ToUpperInvariant()).ToList();
        if (parts.Any(p => p is "SQL" or "POSTGRES" or "GERMAN") || parts.Any(p => p is not ("ISO" or "MDY" or "DMY" or "YMD" or "US" or "EURO" or "EUROPEAN" or "NONEURO" or "NONEUROPEAN")))
            throw Invalid("DateStyle", value, "Ladle writes dates in the ISO style only");
        var order = parts.FirstOrDefault(p => p is "DMY" or "EURO" or "EUROPEAN") is not null ? "DMY" : parts.Contains("YMD") ? "YMD" : "MDY";
        return "ISO, " + order;
    }

    private static string ExtraFloatDigits(string value) =>
        int.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n is >= -15 and <= 3
            ? n.ToString(CultureInfo.InvariantCulture)
            : throw Invalid("extra_float_digits", value, "give an integer from -15 to 3");

    /// <summary>Any zone a client names is accepted and reported back; timestamptz values are always written in UTC, with their +00 offset.</summary>
    private static string TimeZone(string value)
    {
        var zone = value.Trim();
        if (zone.Equals("local", StringComparison.OrdinalIgnoreCase) || zone.Equals("default", StringComparison.OrdinalIgnoreCase)) return "UTC";
        if (zone is "UTC" or "utc" or "GMT" or "Z" or "Etc/UTC" or "0" or "+00" or "00:00" or "+00:00") return zone;
        if (TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)) return zone;
        return double.TryParse(zone, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? zone : throw Invalid("TimeZone", value, "name a time zone such as UTC or Europe/Paris");
    }

    private static string ValidateTimeout(string value) =>
        ParseTimeout(value) is { } ms && ms >= 0 ? value.Trim() : throw Invalid("statement_timeout", value, "give milliseconds, or a number with ms, s, min or h");

    /// <summary>Milliseconds of a duration setting: a bare number is milliseconds; ms, s, min, h and d units are read.</summary>
    private static double? ParseTimeout(string value)
    {
        var text = value.Trim().ToLowerInvariant();
        var digits = 0;
        while (digits < text.Length && (char.IsAsciiDigit(text[digits]) || text[digits] == '.')) digits++;
        if (digits == 0 || !double.TryParse(text[..digits], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return null;
        return text[digits..].Trim() switch
        {
            "" or "ms" => n,
            "s" => n * 1000,
            "min" => n * 60_000,
            "h" => n * 3_600_000,
            "d" => n * 86_400_000,
            _ => null,
        };
    }

    private sealed record Setting(string Name, string Default, string Description, bool Report = false, bool ReadOnly = false, Func<string, string>? Validate = null);
}
