using Ladle.Core.Errors;
using Ladle.Core.Loading;
using Ladle.Core.Model;

namespace Ladle.Core.Tests;

public sealed class AlertsConfigTests
{
    private const string OrdersDataset = """
        name: orders
        source: files
        table: orders.csv
        """;

    private static TempProject Project(string ladleYamlTail) =>
        new TempProject().Write("ladle.yaml", TempProject.MinimalProject + "\n" + ladleYamlTail).Write("datasets/orders.yaml", OrdersDataset);

    private static ProjectValidationException Fails(TempProject project) =>
        Assert.Throws<ProjectValidationException>(() => ProjectLoader.Load(project.Root));

    [Fact]
    public void Channels_load_with_kind_url_source_and_dataset_filter()
    {
        using var p = Project("""
            alerts:
              data_team:
                kind: webhook
                url_env: LADLE_ALERT_URL
                datasets: [orders]
              local:
                kind: slack
                url: http://127.0.0.1:9000/hook
            server:
              status_interval: 45s
            """);
        var project = ProjectLoader.Load(p.Root);
        Assert.Equal(2, project.Alerts.Count);
        var team = project.Alerts[0];
        Assert.Equal(("data_team", AlertChannelKind.Webhook, "LADLE_ALERT_URL", (string?)null), (team.Name, team.Kind, team.UrlEnv, team.Url));
        Assert.Equal(["orders"], team.Datasets);
        Assert.True(team.Covers("ORDERS"));
        Assert.False(team.Covers("customers"));
        var local = project.Alerts[1];
        Assert.Equal(AlertChannelKind.Slack, local.Kind);
        Assert.Equal("http://127.0.0.1:9000/hook", local.Url);
        Assert.True(local.Covers("anything"));
        Assert.Equal(TimeSpan.FromSeconds(45), project.Server.StatusInterval);
    }

    [Fact]
    public void Without_alerts_there_are_no_channels_and_the_status_interval_is_thirty_seconds()
    {
        using var p = Project("");
        var project = ProjectLoader.Load(p.Root);
        Assert.Empty(project.Alerts);
        Assert.Equal(TimeSpan.FromSeconds(30), project.Server.StatusInterval);
    }

    [Fact]
    public void Unknown_key_wrong_kind_and_bad_url_are_each_reported_with_their_position()
    {
        using var p = Project("""
            alerts:
              team:
                kind: email
                url: not a url
                chanel: "#data"
            """);
        var e = Fails(p);
        // MinimalProject is 8 lines, so alerts: starts on line 9.
        var kind = Assert.Single(e.Diagnostics, d => d.Message.Contains("unknown alert channel kind 'email'", StringComparison.Ordinal));
        Assert.Equal(new SourceLocation("ladle.yaml", 11, 11), kind.Location);
        Assert.Contains("webhook, slack", kind.Hint, StringComparison.Ordinal);
        var url = Assert.Single(e.Diagnostics, d => d.Message.Contains("is not an http or https URL: 'not a url'", StringComparison.Ordinal));
        Assert.Equal(new SourceLocation("ladle.yaml", 12, 10), url.Location);
        var key = Assert.Single(e.Diagnostics, d => d.Message.Contains("unknown key 'chanel' in alert channel 'team'", StringComparison.Ordinal));
        Assert.Equal(new SourceLocation("ladle.yaml", 13, 5), key.Location);
    }

    [Theory]
    [InlineData("ftp://example.com/hook")]
    [InlineData("/relative/hook")]
    [InlineData("hooks.slack.com/services/x")]
    public void A_url_that_is_not_absolute_http_is_refused(string url)
    {
        using var p = Project($"""
            alerts:
              team:
                kind: webhook
                url: "{url}"
            """);
        Assert.Contains(Fails(p).Diagnostics, d => d.Message.Contains("is not an http or https URL", StringComparison.Ordinal));
    }

    [Fact]
    public void A_url_written_into_url_env_is_refused_with_a_hint_to_export_it()
    {
        using var p = Project("""
            alerts:
              slack:
                kind: slack
                url_env: https://hooks.slack.com/services/T000/B000/XXXX
            """);
        var d = Assert.Single(Fails(p).Diagnostics);
        Assert.Contains("must name an environment variable, not hold the URL", d.Message, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation("ladle.yaml", 12, 14), d.Location);
        Assert.Contains("export the URL", d.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_channel_needs_exactly_one_of_url_and_url_env()
    {
        using var p = Project("""
            alerts:
              neither:
                kind: webhook
              both:
                kind: webhook
                url: http://127.0.0.1:9000/
                url_env: LADLE_ALERT_URL
              empty:
                kind: webhook
                url_env:
            """);
        var e = Fails(p);
        Assert.Contains(e.Diagnostics, d => d.Message == "alert channel 'neither' has neither 'url_env' nor 'url'" && d.Location.Line == 11);
        Assert.Contains(e.Diagnostics, d => d.Message == "alert channel 'both' has both 'url' and 'url_env'" && d.Location == new SourceLocation("ladle.yaml", 14, 5));
        Assert.Contains(e.Diagnostics, d => d.Message == "'url_env' of alert channel 'empty' is empty" && d.Location.Line == 18);
        Assert.Equal(3, e.Diagnostics.Count);
    }

    [Fact]
    public void Missing_kind_bad_name_wrong_shapes_and_an_unknown_dataset_are_all_reported()
    {
        using var p = Project("""
            alerts:
              no-kind:
                url: http://127.0.0.1:9000/
              scalar: slack
              filtered:
                kind: webhook
                url_env: LADLE_ALERT_URL
                datasets: [orders, ordres]
              listed:
                kind: webhook
                url_env: LADLE_ALERT_URL
                datasets: { orders: true }
            """);
        var e = Fails(p);
        Assert.Contains(e.Diagnostics, d => d.Message == "alert channel name 'no-kind' is not a valid name" && d.Location == new SourceLocation("ladle.yaml", 10, 3));
        Assert.Contains(e.Diagnostics, d => d.Message == "alert channel 'no-kind' has no 'kind'");
        Assert.Contains(e.Diagnostics, d => d.Message.StartsWith("alert channel 'scalar' must be a mapping", StringComparison.Ordinal) && d.Location == new SourceLocation("ladle.yaml", 12, 11));
        var unknown = Assert.Single(e.Diagnostics, d => d.Message == "alert channel 'filtered' names unknown dataset 'ordres'");
        Assert.Equal(new SourceLocation("ladle.yaml", 16, 24), unknown.Location);
        Assert.Equal("did you mean 'orders'?", unknown.Hint);
        Assert.Contains(e.Diagnostics, d => d.Message == "'datasets' in alert channel 'listed' must be a list, not a mapping" && d.Location.Line == 20);
    }

    [Fact]
    public void Alerts_must_be_a_mapping_of_channels_and_status_interval_a_duration()
    {
        using var p = Project("""
            alerts: [slack]
            server:
              status_interval: often
            """);
        var e = Fails(p);
        Assert.Contains(e.Diagnostics, d => d.Message == "'alerts' in ladle.yaml must be a mapping of keys to values, not a list" && d.Location == new SourceLocation("ladle.yaml", 9, 9));
        var interval = Assert.Single(e.Diagnostics, d => d.Message == "'status_interval' is not a duration: 'often'");
        Assert.Equal(new SourceLocation("ladle.yaml", 11, 20), interval.Location);
    }
}
