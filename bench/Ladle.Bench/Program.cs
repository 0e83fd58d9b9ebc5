using Ladle.Bench;

var which = args.Length > 0 ? args[0] : "export";
var rest = args.Skip(1).ToArray();
return which switch
{
    "export" => await ExportBenchmark.RunAsync(rest),
    "checks" => await ChecksBenchmark.RunAsync(rest),
    "policy" => await PolicyBenchmark.RunAsync(rest),
    "metrics" => await MetricsBenchmark.RunAsync(rest),
    "metric-cost" => await MetricCostBenchmark.RunAsync(rest),
    "rowpage" => await RowPageBenchmark.RunAsync(rest),
    "training-set" => await TrainingSetBenchmark.RunAsync(rest),
    "sync-plan" => await SyncPlanBenchmark.RunAsync(rest),
    "sync-deliver" => await SyncDeliveryBenchmark.RunAsync(rest),
    "dashboard" => await DashboardBenchmark.RunAsync(rest),
    "streams" => await StreamsBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Ladle.Bench export|checks|policy [orders] [repeats] | metrics [orders] [repeats] [clients] [seconds] | metric-cost [orders] [rounds] | rowpage [orders] [requests] | training-set [entity rows] [rounds] [feature rows] | sync-plan [rows] [rounds] | sync-deliver [rows] [rounds] [batch] | dashboard [orders] [rounds]");
    return 2;
}
