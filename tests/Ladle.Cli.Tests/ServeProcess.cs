using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ladle.Cli.Tests;

/// <summary>A real `ladle serve` (with --dev unless told) in a child process on a free loopback port, killable with SIGKILL.</summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServeProcess(Process process, Uri address)
    {
        _process = process;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Http { get; }

    /// <summary>Everything the process wrote so far, for failure messages.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static Task<ServeProcess> StartAsync(string project, bool dev = true, IReadOnlyList<string>? extraArgs = null) =>
        StartAsync(["serve", "--project", project], dev, extraArgs, TimeSpan.FromSeconds(60));

    /// <summary>`ladle demo` generating into <paramref name="dir"/>, materializing and then serving (it waits for all of it).</summary>
    public static Task<ServeProcess> StartDemoAsync(string dir, IReadOnlyList<string> extraArgs) =>
        StartAsync(["demo", "--dir", dir], dev: false, extraArgs, TimeSpan.FromMinutes(5));

    private static async Task<ServeProcess> StartAsync(string[] command, bool dev, IReadOnlyList<string>? extraArgs, TimeSpan readyWithin)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "ladle.dll") }.Concat(command).Concat(["--http", $"127.0.0.1:{port}"]))
            start.ArgumentList.Add(a);
        if (dev) start.ArgumentList.Add("--dev");
        foreach (var a in extraArgs ?? []) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        var serve = new ServeProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
        serve._process.OutputDataReceived += (_, e) => serve.Append(e.Data);
        serve._process.ErrorDataReceived += (_, e) => serve.Append(e.Data);
        serve._process.BeginOutputReadLine();
        serve._process.BeginErrorReadLine();
        await serve.WaitReadyAsync(readyWithin);
        return serve;
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or the OOM killer.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: a clean shutdown, as a service manager or Ctrl+C asks for one.</summary>
    public async Task TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    private async Task WaitReadyAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) Assert.Fail($"ladle serve exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var ready = await Http.GetAsync("/readyz");
                if (ready.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { /* not listening yet */ }
            await Task.Delay(50);
        }
        Assert.Fail($"ladle serve did not become ready:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
        Http.Dispose();
    }
}
