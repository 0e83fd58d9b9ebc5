namespace Ladle.Cli.Demo;

/// <summary>Reported after each dataset's data is written: which one, where, how many rows, and how far along.</summary>
/// <param name="Dataset">Name of the dataset, as in datasets/*.yaml.</param>
/// <param name="Path">Where its data went, relative to the project folder (a glob for multi-file datasets).</param>
/// <param name="Rows">Rows written.</param>
/// <param name="Completed">Datasets written so far, this one included.</param>
/// <param name="Total">Datasets the generator writes in all.</param>
public sealed record DemoProgress(string Dataset, string Path, long Rows, int Completed, int Total);
