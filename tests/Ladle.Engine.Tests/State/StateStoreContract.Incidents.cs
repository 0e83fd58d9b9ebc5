using Ladle.Engine.State;

namespace Ladle.Engine.Tests.State;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task An_incident_opens_once_per_dataset_and_kind_until_it_is_resolved()
    {
        var other = await OpenAnotherAsync();
        var opened = await Store.OpenIncidentAsync("orders", "failed", "unique_id failed", At(0), None);
        Assert.NotNull(opened);
        Assert.Null(await other.OpenIncidentAsync("orders", "failed", "unique_id failed again", At(1), None));
        var stale = await Store.OpenIncidentAsync("orders", "stale", "published 3h ago", At(2), None);
        var elsewhere = await Store.OpenIncidentAsync("customers", "failed", "down", At(3), None);
        Assert.Equal(3, new[] { opened, stale, elsewhere }.Distinct().Count());

        Assert.Equal(opened, await other.ResolveIncidentAsync("orders", "failed", At(4), None));
        Assert.Null(await Store.ResolveIncidentAsync("orders", "failed", At(5), None));
        Assert.Null(await Store.ResolveIncidentAsync("nothing", "failed", At(5), None));
        var reopened = await Store.OpenIncidentAsync("orders", "failed", "failed again", At(6), None);
        Assert.NotNull(reopened);
        Assert.NotEqual(opened, reopened);

        var orders = await Store.ListIncidentsAsync("orders", 10, None);
        Assert.Equal(
            [new Incident(reopened!.Value, "orders", "failed", "failed again", At(6), null),
             new Incident(stale!.Value, "orders", "stale", "published 3h ago", At(2), null),
             new Incident(opened!.Value, "orders", "failed", "unique_id failed", At(0), At(4))],
            orders);
        Assert.Equal(4, (await Store.ListIncidentsAsync(null, 10, None)).Count);
        Assert.Equal([reopened.Value, elsewhere!.Value], (await Store.ListIncidentsAsync(null, 2, None)).Select(i => i.Id));
    }

    [Fact]
    public async Task Openings_and_resolutions_are_owed_an_alert_until_marked_alerted()
    {
        var first = (await Store.OpenIncidentAsync("orders", "failed", "down", At(0), None))!.Value;
        var second = (await Store.OpenIncidentAsync("customers", "stale", "old", At(1), None))!.Value;
        Assert.Equal([(first, true, false), (second, true, false)],
            (await Store.ListUnalertedIncidentsAsync(None)).Select(u => (u.Incident.Id, u.Opening, u.Resolution)));

        await Store.MarkIncidentAlertedAsync(first, resolution: false, None);
        await Store.ResolveIncidentAsync("customers", "stale", At(2), None);
        var owed = await Store.ListUnalertedIncidentsAsync(None);
        var both = Assert.Single(owed);
        Assert.Equal((second, true, true, (DateTimeOffset?)At(2)), (both.Incident.Id, both.Opening, both.Resolution, both.Incident.ResolvedAt));

        await Store.MarkIncidentAlertedAsync(second, resolution: true, None);
        Assert.Equal([(second, true, false)], (await Store.ListUnalertedIncidentsAsync(None)).Select(u => (u.Incident.Id, u.Opening, u.Resolution)));
        await Store.MarkIncidentAlertedAsync(second, resolution: false, None);
        await Store.ResolveIncidentAsync("orders", "failed", At(3), None);
        Assert.Equal([(first, false, true)], (await Store.ListUnalertedIncidentsAsync(None)).Select(u => (u.Incident.Id, u.Opening, u.Resolution)));
        await Store.MarkIncidentAlertedAsync(first, resolution: true, None);
        Assert.Empty(await Store.ListUnalertedIncidentsAsync(None));
    }
}
