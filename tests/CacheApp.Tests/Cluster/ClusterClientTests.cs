using System.Net;
using System.Net.Sockets;
using System.Text;
using CacheApp.Cluster;
using TestRedirects;

namespace CacheApp.Tests.Cluster;

/// <summary>What the membership client reads from a node that answers badly.</summary>
public sealed class ClusterClientTests
{
    [Fact]
    public async Task SendAsync_EndlessChunkedAnswer_FailsAfterAboutTheLimit_NotAfterReadingItAll()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        const long Offered = 256L << 20;
        var served = ServeEndlessAnswerAsync(listener, Offered);
        using var client = new ClusterClient(secret: null);
        var message = new ClusterMessage("http://127.0.0.1:1", [], "http://127.0.0.1:2");

        var error = await Record.ExceptionAsync(() =>
            client.SendAsync($"http://127.0.0.1:{endpoint.Port}", "ping", message, TimeSpan.FromSeconds(20), CancellationToken.None));
        long written = await served.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.IsType<HttpRequestException>(error);
        // Past the 1 MiB limit the client stops and closes; what the socket buffers took is all the rest.
        Assert.True(written < 32L << 20, $"the client read {written >> 20} MiB of a {Offered >> 20} MiB answer");
    }

    [Fact]
    public async Task SendAsync_MemberRedirects_FailsNamingTheStatus_AndTheSecretGoesNowhereElse()
    {
        await using var member = await RedirectingServer.StartAsync();
        using var client = new ClusterClient("cluster-secret");
        var message = new ClusterMessage("http://127.0.0.1:1", [], "http://127.0.0.1:2");

        var error = await Record.ExceptionAsync(() => client.SendAsync(member.Url, "gossip", message, TimeSpan.FromSeconds(10), CancellationToken.None));

        Assert.Contains("HTTP 302", Assert.IsType<HttpRequestException>(error).Message, StringComparison.Ordinal);
        Assert.Empty(member.ElsewhereRequests);
    }

    /// <summary>Answers one request with a chunked 200 of up to <paramref name="offered"/> bytes; returns the bytes written.</summary>
    private static async Task<long> ServeEndlessAnswerAsync(TcpListener listener, long offered)
    {
        using var socket = await listener.AcceptSocketAsync();
        using var stream = new NetworkStream(socket);
        var request = new byte[64 << 10];
        _ = await stream.ReadAsync(request);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
        byte[] chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string(' ', 0x10000)}\r\n");
        long written = 0;
        try
        {
            while (written < offered)
            {
                await stream.WriteAsync(chunk);
                written += 0x10000;
            }
        }
        catch (IOException)
        {
            // The client closed the connection.
        }

        return written;
    }
}
