using System.Data;
using System.Globalization;
using System.Text.Json;
using Npgsql;

// Real-client harness: Npgsql. Connects with libpq's environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
// PGSSLMODE, PGDATABASE) and prints one JSON line per step, every value in the canonical text of
// tests/clients/README.md. Run: dotnet run --project tests/clients/npgsql (or dotnet ladle-client-npgsql.dll).

const string Rows = "SELECT order_id, customer_id, region, status, amount, discount, express, order_date, ordered_at, note FROM orders ORDER BY order_id";

var builder = new NpgsqlConnectionStringBuilder
{
    Host = Env("PGHOST", "127.0.0.1"),
    Port = int.Parse(Env("PGPORT", "5432"), CultureInfo.InvariantCulture),
    Username = Env("PGUSER", "postgres"),
    Database = Env("PGDATABASE", "postgres"),
    Pooling = false,
    Timeout = 30,
    CommandTimeout = 60,
    // A cancellation waits this long (ms) for the server's 57014 before Npgsql gives up and breaks the connection
    // (default 2 s): on a loaded two-core machine PostgreSQL itself took longer than that now and then.
    CancellationTimeout = 30_000,
};
if (Environment.GetEnvironmentVariable("PGPASSWORD") is { Length: > 0 } password) builder.Password = password;
// Ladle's certificate is self-signed unless configured: require encrypts without checking the chain, as libpq does.
builder.SslMode = Env("PGSSLMODE", "prefer") switch
{
    "disable" => SslMode.Disable,
    "allow" => SslMode.Allow,
    "require" => SslMode.Require,
    "verify-ca" => SslMode.VerifyCA,
    "verify-full" => SslMode.VerifyFull,
    _ => SslMode.Prefer,
};

await using (var connection = new NpgsqlConnection(builder.ConnectionString))
{
    await connection.OpenAsync();
    Emit("npgsql.open", new { postgres = connection.PostgreSqlVersion.Major >= 12 });

    await using (var command = new NpgsqlCommand(Rows, connection))
    await using (var reader = await command.ExecuteReaderAsync())
    {
        var fields = Enumerable.Range(0, reader.FieldCount).Select(i => new object[] { reader.GetName(i), reader.GetDataTypeOID(i) }).ToList();
        Emit("npgsql.rows", new { columns = fields, rows = await ReadAllAsync(reader) });
    }

    // Every type of the wire, each read through its binary codec into its own CLR type.
    const string types = "SELECT CAST(1 AS int2) AS i2, CAST(2 AS int4) AS i4, CAST(3 AS int8) AS i8, CAST(1.5 AS float4) AS f4, " +
        "CAST(2.25 AS float8) AS f8, CAST(12.50 AS numeric) AS n, true AS b, CAST('x' AS text) AS t, CAST('y' AS varchar) AS v, " +
        "DATE '2026-01-02' AS d, TIMESTAMP '2026-01-02 03:04:05.5' AS ts, CAST('2026-01-02 03:04:05+00' AS timestamptz) AS tstz, " +
        "INTERVAL '1 day' AS iv, CAST('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS uuid) AS u";
    await using (var command = new NpgsqlCommand(types, connection))
    await using (var reader = await command.ExecuteReaderAsync())
    {
        await reader.ReadAsync();
        var values = new Dictionary<string, string?>
        {
            ["i2"] = reader.GetFieldValue<short>(0).ToString(CultureInfo.InvariantCulture),
            ["i4"] = reader.GetFieldValue<int>(1).ToString(CultureInfo.InvariantCulture),
            ["i8"] = reader.GetFieldValue<long>(2).ToString(CultureInfo.InvariantCulture),
            ["f4"] = Canonical(reader.GetFieldValue<float>(3)),
            ["f8"] = Canonical(reader.GetFieldValue<double>(4)),
            ["n"] = Canonical(reader.GetFieldValue<decimal>(5)),
            ["b"] = Canonical(reader.GetFieldValue<bool>(6)),
            ["t"] = reader.GetFieldValue<string>(7),
            ["v"] = reader.GetFieldValue<string>(8),
            ["d"] = Canonical(reader.GetFieldValue<DateOnly>(9)),
            ["ts"] = Canonical(reader.GetFieldValue<DateTime>(10)),
            ["tstz"] = Canonical(reader.GetFieldValue<DateTime>(11)),
            ["iv"] = reader.GetFieldValue<TimeSpan>(12).ToString("c", CultureInfo.InvariantCulture),
            ["u"] = reader.GetFieldValue<Guid>(13).ToString(),
        };
        var oids = Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.GetDataTypeOID(i));
        Emit("npgsql.types", new { values, oids });
    }

    await using (var command = new NpgsqlCommand("SELECT customer_id, name, email, country FROM customers ORDER BY customer_id", connection))
    await using (var reader = await command.ExecuteReaderAsync())
        Emit("npgsql.customers", new { rows = await ReadAllAsync(reader) });

    // A prepared statement: Parse once, Bind/Execute twice with other values.
    await using (var command = new NpgsqlCommand("SELECT order_id, amount, note FROM orders WHERE order_id = $1 OR region = $2 ORDER BY order_id", connection))
    {
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 0 });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "" });
        await command.PrepareAsync();
        var answers = new List<List<string?[]>>();
        foreach (var (id, region) in new[] { (3L, "EU"), (5L, "APAC") })
        {
            command.Parameters[0].Value = id;
            command.Parameters[1].Value = region;
            await using var reader = await command.ExecuteReaderAsync();
            answers.Add(await ReadAllAsync(reader));
        }
        Emit("npgsql.prepared", new { eu = answers[0], apac = answers[1] });
    }

    var tables = await connection.GetSchemaAsync("Tables", [null, null, null, "BASE TABLE"]);
    Emit("npgsql.schema.tables", new
    {
        tables = tables.Rows.Cast<DataRow>()
            .Select(r => new[] { (string)r["table_schema"], (string)r["table_name"] })
            .Where(t => t[0] is not ("pg_catalog" or "information_schema"))
            .OrderBy(t => t[0], StringComparer.Ordinal).ThenBy(t => t[1], StringComparer.Ordinal).ToList(),
    });
    var columns = await connection.GetSchemaAsync("Columns", [null, "retail", "orders"]);
    Emit("npgsql.schema.columns", new
    {
        columns = columns.Rows.Cast<DataRow>()
            .OrderBy(r => Convert.ToInt32(r["ordinal_position"], CultureInfo.InvariantCulture))
            .Select(r => new[] { (string)r["column_name"], (string)r["data_type"] }).ToList(),
    });

    // Cancel: a query that runs for minutes on any engine (a four-way cross join) is cancelled after half a second.
    using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
    await using (var command = new NpgsqlCommand("SELECT count(*) FROM orders a, orders b, orders c, orders d", connection))
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        string outcome;
        try
        {
            await command.ExecuteScalarAsync(cancel.Token);
            outcome = "finished";
        }
        catch (OperationCanceledException e) when (e.InnerException is PostgresException p)
        {
            outcome = p.SqlState;
        }
        Emit("npgsql.cancel", new { outcome, within_30s = started.Elapsed < TimeSpan.FromSeconds(30) });
    }

    // The connection is still usable after a cancelled statement.
    await using (var command = new NpgsqlCommand("SELECT count(*) FROM orders", connection))
        Emit("npgsql.after_cancel", new { count = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) });
}

static async Task<List<string?[]>> ReadAllAsync(NpgsqlDataReader reader)
{
    var rows = new List<string?[]>();
    while (await reader.ReadAsync())
    {
        var row = new string?[reader.FieldCount];
        for (var i = 0; i < row.Length; i++) row[i] = await reader.IsDBNullAsync(i) ? null : Canonical(reader.GetValue(i));
        rows.Add(row);
    }
    return rows;
}

// The text every harness writes for a value: comparable across clients, types and servers.
static string? Canonical(object? value) => value switch
{
    null or DBNull => null,
    bool b => b ? "true" : "false",
    double d => double.IsNaN(d) ? null : CanonicalDecimal(decimal.Parse(d.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture)),
    float f => CanonicalDecimal(decimal.Parse(f.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture)),
    decimal m => CanonicalDecimal(m),
    DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    // Npgsql reads timestamptz as a UTC DateTime and timestamp as an unspecified one: both print as wall-clock UTC.
    DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (t.Ticks % TimeSpan.TicksPerSecond == 0 ? "" : t.ToString(".ffffff", CultureInfo.InvariantCulture).TrimEnd('0')),
    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
    _ => value.ToString(),
};

static string CanonicalDecimal(decimal value)
{
    var text = value.ToString("0.############################", CultureInfo.InvariantCulture);
    return text == "-0" ? "0" : text;
}

static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

static void Emit(string step, object fields)
{
    var line = JsonSerializer.SerializeToNode(fields)!.AsObject();
    line.Insert(0, "client", "npgsql");
    line.Insert(1, "step", step);
    Console.WriteLine(line.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
}
