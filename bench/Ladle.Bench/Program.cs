using Ladle.Bench;

var which = args.Length > 0 ? args[0] : "export";
var rest = args.Skip(1).ToArray();
return which switch
{
    "export" => await ExportBenchmark.RunAsync(rest),
    "checks" => await ChecksBenchmark.RunAsync(rest),
    "policy" => await PolicyBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Ladle.Bench export|checks|policy [orders] [repeats]");
    return 2;
}
