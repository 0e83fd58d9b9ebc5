// Trains a fabric-defect model on Ladle's point-in-time training set, then scores one batch with the features the
// online endpoint serves now: the same feature service, offline and online.
//
//   ladle demo --dev                      # serves the demo on http://127.0.0.1:8080
//   dotnet run --project examples/FabricQuality [-- http://127.0.0.1:8080 [token]]
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

var server = args.Length > 0 ? args[0] : "http://127.0.0.1:8080";
using var http = new HttpClient { BaseAddress = new Uri(server), Timeout = TimeSpan.FromMinutes(5) };
if (args.Length > 1) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", args[1]);

// 1. The training set: every inspected batch, with its features as known at its inspection (no leakage).
var csv = Path.Combine(Path.GetTempPath(), "fabric_quality_training.csv");
using (var response = await http.PostAsJsonAsync("/api/v1/features/training-set",
           new { feature_service = "fabric_quality", entity_dataset = "fabric_batch_labels", format = "csv" }))
{
    response.EnsureSuccessStatusCode();
    await using var file = File.Create(csv);
    await response.Content.CopyToAsync(file);
}
Console.WriteLine($"training set: {File.ReadLines(csv).Count() - 1:N0} batches in {csv}");

// 2. A model: fabric one-hot, the numeric features (missing ones, e.g. outside the TTL, replaced by the mean).
var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile<Batch>(csv, separatorChar: ',', hasHeader: true, allowQuoting: true);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
string[] numeric = [nameof(Batch.Meters), nameof(Batch.NaturalFibre), nameof(Batch.TemperatureC), nameof(Batch.HumidityPct),
    nameof(Batch.HumidityMean24h), nameof(Batch.HumidityMax24h), nameof(Batch.TemperatureMean24h)];
var pipeline = ml.Transforms.Categorical.OneHotEncoding("FabricKey", nameof(Batch.Fabric))
    .Append(ml.Transforms.Concatenate("Numeric", numeric))
    .Append(ml.Transforms.ReplaceMissingValues("Numeric", replacementMode: Microsoft.ML.Transforms.MissingValueReplacingEstimator.ReplacementMode.Mean))
    .Append(ml.Transforms.NormalizeMeanVariance("Numeric"))
    .Append(ml.Transforms.Concatenate("Features", "FabricKey", "Numeric"))
    .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: nameof(Batch.Defect)));
var model = pipeline.Fit(split.TrainSet);
var metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet), labelColumnName: nameof(Batch.Defect));
Console.WriteLine($"held-out AUC {metrics.AreaUnderRocCurve:0.000}, accuracy {metrics.Accuracy:0.000}");

// 3. Online: one batch's features now, from the same feature service, scored by the model.
var sample = File.ReadLines(csv).Skip(1).First().Split(',');
var (batchId, warehouse) = (sample[0], sample[1]);
using var online = await http.PostAsJsonAsync("/api/v1/features/online",
    new { feature_service = "fabric_quality", entities = new Dictionary<string, string[]> { ["batch_id"] = [batchId], ["warehouse"] = [warehouse] } });
online.EnsureSuccessStatusCode();
var features = (await online.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entities")[0].GetProperty("features");
float Number(string name) => features.GetProperty(name).GetProperty("value") is { ValueKind: JsonValueKind.Number } v ? v.GetSingle()
    : features.GetProperty(name).GetProperty("value") is { ValueKind: JsonValueKind.True } ? 1 : features.GetProperty(name).GetProperty("value") is { ValueKind: JsonValueKind.False } ? 0 : float.NaN;
foreach (var feature in features.EnumerateObject())
    Console.WriteLine($"  {feature.Name,-22} {feature.Value.GetProperty("value"),-12} {feature.Value.GetProperty("status")}");
var input = new Batch
{
    Fabric = features.GetProperty("fabric").GetProperty("value").GetString() ?? "", Meters = Number("meters"), NaturalFibre = Number("natural_fibre"),
    TemperatureC = Number("temperature_c"), HumidityPct = Number("humidity_pct"), HumidityMean24h = Number("humidity_mean_24h"),
    HumidityMax24h = Number("humidity_max_24h"), TemperatureMean24h = Number("temperature_mean_24h"),
};
var prediction = ml.Model.CreatePredictionEngine<Batch, Prediction>(model).Predict(input);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batch {batchId} in {warehouse}: defect probability now {prediction.Probability:0.000}"));

/// <summary>A training-set row: the entity row's columns (batch_id, warehouse, event_timestamp, defect), then the service's features.</summary>
public sealed class Batch
{
    [LoadColumn(3)] public bool Defect { get; set; }
    [LoadColumn(4)] public string Fabric { get; set; } = "";
    [LoadColumn(5)] public float Meters { get; set; }
    [LoadColumn(6)] public float NaturalFibre { get; set; }
    [LoadColumn(7)] public float TemperatureC { get; set; }
    [LoadColumn(8)] public float HumidityPct { get; set; }
    [LoadColumn(9)] public float HumidityMean24h { get; set; }
    [LoadColumn(10)] public float HumidityMax24h { get; set; }
    [LoadColumn(11)] public float TemperatureMean24h { get; set; }
}

/// <summary>What the model says of a batch.</summary>
public sealed class Prediction
{
    [ColumnName("PredictedLabel")] public bool Defect { get; set; }
    public float Probability { get; set; }
}
