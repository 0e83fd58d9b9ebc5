using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ladle.Engine.Tests.Alerts;

/// <summary>One POST as the listener received it.</summary>
internal sealed record ReceivedPost(string Path, string? ContentType, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// A real HTTP endpoint on a free loopback port that records every request and answers as the test says: a
/// status per request number, or no answer at all until the client gives up.
/// </summary>
internal sealed class WebhookListener : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedPost> _posts = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _app = null!;
    private int _requests;
    private int _hanging;

    private WebhookListener() { }

    /// <summary>The status to answer the n-th request with (1-based); 200 by default.</summary>
    public Func<int, int> StatusFor { get; set; } = _ => 200;

    /// <summary>When true, requests are recorded and then never answered.</summary>
    public bool Hang { get; set; }

    /// <summary>Requests being held unanswered right now.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    public Uri BaseUrl { get; private set; } = null!;

    public string Url(string path = "/hook") => new Uri(BaseUrl, path).ToString();

    public IReadOnlyList<ReceivedPost> Posts => _posts.ToList();

    /// <summary>A loopback URL nothing listens on, so every connection is refused at once.</summary>
    public static string UnreachableUrl()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return $"http://127.0.0.1:{port}/hook";
    }

    public static async Task<WebhookListener> StartAsync()
    {
        var listener = new WebhookListener();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        listener._app = builder.Build();
        listener._app.Run(listener.HandleAsync);
        await listener._app.StartAsync();
        var address = listener._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        listener.BaseUrl = new Uri(address);
        return listener;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests arrived (a safety limit, not a timing assertion).</summary>
    public async Task<IReadOnlyList<ReceivedPost>> WaitForAsync(int count)
    {
        for (var i = 0; i < 600 && _posts.Count < count; i++) await Task.Delay(50);
        Assert.True(_posts.Count >= count, $"expected {count} request(s), got {_posts.Count}");
        return Posts;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var number = Interlocked.Increment(ref _requests);
        _posts.Enqueue(new ReceivedPost(context.Request.Path.Value ?? "/", context.Request.ContentType, body));
        if (Hang)
        {
            Interlocked.Increment(ref _hanging);
            try { await _release.Task.WaitAsync(context.RequestAborted); }
            catch (OperationCanceledException) { }
            finally { Interlocked.Decrement(ref _hanging); }
            return;
        }
        context.Response.StatusCode = StatusFor(number);
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _app.DisposeAsync();
    }
}
