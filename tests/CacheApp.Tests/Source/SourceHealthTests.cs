using System.Net;
using System.Net.Sockets;
using CacheApp.Configuration;
using CacheApp.Source;
using Microsoft.Extensions.Logging.Abstractions;

namespace CacheApp.Tests.Source;

/// <summary>The node's check of the source's health (<see cref="SourceHealth"/>), through the client the node builds.</summary>
public sealed class SourceHealthTests
{
    // A broken source answers /health with 200 and a 256 MB body. The check needs the status only:
    // it must not read (and buffer) the body, which the default client would do up to 2 GB.
    [Fact]
    public async Task SourceHealth_SourceAnswersHealthWithAHugeBody_IsNotReadWhole()
    {
        const long BodyBytes = 256L << 20;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        long sent = 0;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            byte[] request = new byte[4096];
            _ = await stream.ReadAsync(request);
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {BodyBytes}\r\nContent-Type: text/plain\r\n\r\n"));
            byte[] chunk = new byte[64 * 1024];
            try
            {
                while (sent < BodyBytes)
                {
                    await stream.WriteAsync(chunk);
                    sent += chunk.Length;
                }
            }
            catch (IOException)
            {
                // The node closed the connection: what it did not want was not sent.
            }
        });

        var settings = new CacheAppSettings
        {
            SelfHost = "127.0.0.1",
            NodeName = "n",
            SelfApiAddr = "http://127.0.0.1:1",
            SelfGroupCacheAddr = "http://127.0.0.1:2",
            SourceUrl = $"http://127.0.0.1:{port}",
            SourceTimeout = TimeSpan.FromSeconds(20),
            SourceHealthInterval = TimeSpan.FromHours(1),
        };
        using var http = SourceHttp.For(settings);
        using var health = new SourceHealth(http.Client, settings, TimeProvider.System, NullLogger<SourceHealth>.Instance);
        await health.StartAsync(CancellationToken.None);
        for (int i = 0; i < 400 && health.Last.CheckedAt is null; i++)
        {
            await Task.Delay(50);
        }

        await health.StopAsync(CancellationToken.None);
        http.Client.Dispose(); // ends the server's writes, whichever way the check went
        await server.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(health.Last.Healthy, health.Last.Error);
        Assert.True(sent < 64L << 20, $"{sent >> 20} MiB of the health answer's body were read");
    }
}
