using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Ladle.Streams.Tests;

/// <summary>A real mosquitto broker (Debian's package) of the test's own, on a free loopback port, anonymous, in memory.</summary>
internal sealed class Mosquitto : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _config;

    private Mosquitto(Process process, string config, int port)
    {
        _process = process;
        _config = config;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The broker's address as Ladle reads it from the environment.</summary>
    public string Url => $"mqtt://ladle:secret@127.0.0.1:{Port}";

    public static async Task<Mosquitto> StartAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var config = Path.Combine(Path.GetTempPath(), $"ladle-mosquitto-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, $"listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        var binary = File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(config);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("mosquitto is not installed: apt-get install mosquitto (test.sh does)", e);
        }
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return new Mosquitto(process, config, port);
            }
            catch (SocketException) when (attempt < 200 && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Publishes messages at QoS 1 (each acknowledged by the broker) as a meter would.</summary>
    public async Task PublishAsync(string topic, params string[] payloads)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", Port).WithClientId("meter-" + Guid.NewGuid().ToString("N")).Build());
        foreach (var payload in payloads)
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.DisconnectAsync();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        File.Delete(_config);
        return ValueTask.CompletedTask;
    }
}
