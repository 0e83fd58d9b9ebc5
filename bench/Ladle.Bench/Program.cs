using Ladle.Bench;

return await ExportBenchmark.RunAsync(args);
