using System.Diagnostics;
using Ladle.Core.Errors;
using Ladle.Core.Features;
using Ladle.Core.Model;
using Ladle.Core.Plans;
using Ladle.Core.Policy;
using Ladle.Core.Queries;
using Ladle.Engine.Access;
using Ladle.Engine.Features;
using Ladle.Engine.Internal;

namespace Ladle.Engine.Serving;

/// <summary>One side of a difference: what online or offline answers for one feature of one entity.</summary>
public sealed record FeatureSide(object? Value, string Status, DateTime? EventTimestamp);

/// <summary>A feature of an entity on which online and offline disagree.</summary>
public sealed record FeatureDifference(IReadOnlyDictionary<string, object?> Key, string Feature, FeatureSide Online, FeatureSide Offline);

/// <summary>How far online serving is from the offline answer at now, for a feature view (GET /api/v1/features/{view}/skew).</summary>
public sealed record FeatureSkewReport(
    string View, DateTime AsOf, long ServedVersion, long? OnlineVersion, string OnlineStore,
    long? OfflineEntities, long? OnlineEntities, bool Sampled, long EntitiesCompared, long EntitiesDiffering, long FeaturesCompared, long FeaturesDiffering,
    IReadOnlyList<FeatureDifference> Differences);

public sealed partial class ReadPipeline
{
    /// <summary>The most differences a skew report lists (the counts cover them all).</summary>
    public const int MaxSkewDifferences = 20;

    /// <summary>
    /// Compares what an online lookup would answer now with the offline answer at now (the training-set SQL on the
    /// served version) for every entity of the view, or <paramref name="sample"/> of them. It reads every feature of
    /// every entity compared, so it needs read on the view's dataset without row filters or masks. Audited.
    /// </summary>
    public async Task<FeatureSkewReport> SkewAsync(Principal principal, string viewName, int? sample, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var status = "error";
        long compared = 0;
        try
        {
            var view = _project.Features.FindView(viewName);
            if (view is null || !Policy.CanSee(principal, _project.GetDataset(view.Dataset.Name)))
                throw new NotFoundException($"no feature view '{viewName}'");
            var dataset = _project.GetDataset(view.Dataset.Name);
            Policy.Authorize(principal, dataset, DataAction.Read);
            if (!await ReadsWholeAsync(principal, dataset, cancellationToken))
                throw new ForbiddenException(
                    $"a skew report compares every feature of every entity of '{view.Name}': it needs read on '{dataset.Name}' without row filters or masks, which principal '{principal.Name}' does not have");
            var online = OnlineFeatures ?? throw new InvalidRequestException("this process serves no online store", "view");
            var now = FeatureClock.GetUtcNow().UtcDateTime;
            var served = await online.EnsureCurrentAsync(view, cancellationToken);
            var offline = await online.OfflineAsync(view, served, now, sample);
            var keyTypes = Enumerable.Range(0, view.Entities.Count).Select(i => PointInTime.KeyType(view, i)).ToArray();
            var (read, _) = await online.ReadAsync(view, offline.Select(o => (string?)EntityKey.Of(o.Keys, keyTypes)).ToArray(), cancellationToken);
            var described = await online.Backend.DescribeAsync(view.Name, cancellationToken);
            // A windowed feature is not kept online: a lookup computes it in the store at now. It is compared as a
            // lookup answers it (the lookup's own path: keys bound as a request's, its status rule).
            var windowed = await WindowedLookupsAsync(view, offline, keyTypes, now, cancellationToken);
            var differences = new List<FeatureDifference>();
            long entitiesDiffering = 0, featuresDiffering = 0;
            for (var e = 0; e < offline.Count; e++)
            {
                var answer = offline[e];
                var winner = read.Entries[e]?.WinnerAt(now);
                var differs = false;
                var w = 0;
                for (var f = 0; f < view.Features.Count; f++)
                {
                    var feature = view.Features[f];
                    FeatureValue expected, actual;
                    if (feature.Aggregate is not null)
                    {
                        expected = new FeatureValue(answer.Values[f],
                            answer.Values[f] is not null ? FeatureStatus.Present : answer.Events[f] is null ? FeatureStatus.NotFound : FeatureStatus.Null, answer.Events[f]);
                        actual = windowed[e][w++];
                    }
                    else
                    {
                        expected = answer.Event is null ? new FeatureValue(null, FeatureStatus.NotFound, null)
                            : !answer.Live ? new FeatureValue(null, FeatureStatus.OutsideTtl, answer.Event)
                            : new FeatureValue(answer.Values[f], answer.Values[f] is null ? FeatureStatus.Null : FeatureStatus.Present, answer.Event);
                        actual = Classify(view, now, winner?.Event, winner?.Values[f]);
                    }
                    if (actual.Status == expected.Status && actual.EventTime == expected.EventTime
                        && EntityKey.Normal(actual.Value, feature.Type) == EntityKey.Normal(expected.Value, feature.Type)) continue;
                    differs = true;
                    featuresDiffering++;
                    if (differences.Count < MaxSkewDifferences)
                        differences.Add(new FeatureDifference(
                            view.Entities.Select((name, i) => (name, answer.Keys[i])).ToDictionary(x => x.name, x => x.Item2),
                            feature.Name, Side(actual), Side(expected)));
                }
                if (differs) entitiesDiffering++;
            }
            compared = offline.Count;
            status = "ok";
            // The version's entity count is known offline only when every entity was compared.
            return new FeatureSkewReport(view.Name, DateTime.SpecifyKind(now, DateTimeKind.Utc), served.Version, read.Version ?? described?.Version, online.Backend.Kind,
                sample is null ? offline.Count : null, described?.Entities, sample is not null, offline.Count, entitiesDiffering,
                (long)offline.Count * view.Features.Count, featuresDiffering, differences);
        }
        catch (LadleException e)
        {
            status = e.Kind;
            throw;
        }
        finally
        {
            audit.Record(new AuditEntry(DateTimeOffset.UtcNow, principal.Name, "rest", viewName, "features-skew",
                sample is { } n ? $"sample={n}" : "all", compared, 0, status, clock.Elapsed) { Subject = principal.Subject });
        }
    }

    /// <summary>
    /// The view's windowed features for the offline answer's entities as online lookups answer them at
    /// <paramref name="now"/> (in batches of <see cref="MaxLookupEntities"/>), per entity in the order of the view's
    /// windowed features; empty arrays when it has none.
    /// </summary>
    private async Task<FeatureValue[][]> WindowedLookupsAsync(FeatureView view, List<OnlineFeatureStore.OfflineAnswer> offline, LadleType[] keyTypes, DateTime now,
        CancellationToken cancellationToken)
    {
        var features = view.Features.Where(f => f.Aggregate is not null).Select(f => new FeatureRef(view, f)).ToList();
        var answers = new FeatureValue[offline.Count][];
        if (features.Count == 0)
        {
            Array.Fill(answers, []);
            return answers;
        }
        var scopes = new Dictionary<string, PolicyScope>(StringComparer.OrdinalIgnoreCase) { [view.Dataset.Name] = PolicyScope.Unrestricted };
        for (var from = 0; from < offline.Count; from += MaxLookupEntities)
        {
            var batch = offline.Skip(from).Take(MaxLookupEntities).ToList();
            var plan = new FeatureLookupPlan(features, batch.Select(_ => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>()).ToList(), "skew")
            {
                Keys = [batch.Select(o => ((string?)EntityKey.Of(o.Keys, keyTypes), o.Keys)).ToArray()],
            };
            await using var opened = (OpenedLookup)await LookupInStoreAsync(plan, scopes, now, cancellationToken);
            opened.Answers.CopyTo(answers, from);
        }
        return answers;
    }

    private static FeatureSide Side(FeatureValue value) =>
        new(value.Value, StatusName(value.Status), value.EventTime is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : null);
}
