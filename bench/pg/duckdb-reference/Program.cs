using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;

// SELECT 1 on an in-memory DuckDB, in-process, for the given number of seconds: prints "tps p50_us p99_us",
// the same figures bench/pg/run.sh reads from pgbench, so the wire's overhead is the difference.
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 5;
using var connection = new DuckDBConnection("DataSource=:memory:");
connection.Open();
using var command = connection.CreateCommand();
command.CommandText = "SELECT 1";
var latencies = new List<double>();
var total = Stopwatch.StartNew();
var one = new Stopwatch();
while (total.Elapsed.TotalSeconds < seconds)
{
    one.Restart();
    using (var reader = command.ExecuteReader())
        while (reader.Read()) _ = reader.GetInt32(0);
    latencies.Add(one.Elapsed.TotalMicroseconds);
}
latencies.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{latencies.Count / total.Elapsed.TotalSeconds:F0} {latencies[latencies.Count / 2]:F1} {latencies[(int)(latencies.Count * 0.99)]:F1}"));
