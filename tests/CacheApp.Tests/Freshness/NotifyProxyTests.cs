using System.Net;
using System.Net.Sockets;

namespace CacheApp.Tests.Freshness;

/// <summary>
/// The real SourceApp started with <c>HTTP_PROXY</c> set (for its other traffic): its invalidations go
/// to the nodes directly, as the nodes reach each other, never through the proxy with their secret.
/// </summary>
public class NotifyProxyTests
{
    [Fact]
    public async Task Put_WithHttpProxySet_NotifiesTheNodeDirectlyAndNeverThroughTheProxy()
    {
        using var proxy = new TcpListener(IPAddress.Loopback, 0); // accepts, never answers: a proxy that swallows requests
        proxy.Start();
        int proxied = 0;
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var connection = await proxy.AcceptTcpClientAsync();
                    Interlocked.Increment(ref proxied);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Stopped at the end of the test.
            }
        });

        using var dir = new TempDir();
        int apiPort = FreePort.Next();
        string nodeApi = $"http://127.0.0.1:{apiPort}/";
        var proxyEnv = new Dictionary<string, string> { ["HTTP_PROXY"] = $"http://127.0.0.1:{((IPEndPoint)proxy.LocalEndpoint).Port}", ["NO_PROXY"] = "" };
        using var source = new SourceNode(dir.Path, ["-notify", nodeApi, "-notify-timeout", "2s"], proxyEnv);
        using var node = new CacheNode("node0", source.Url, apiPort: apiPort);
        await source.StartAsync();
        await node.StartAsync();

        using var put = await TestHttp.Client.PutAsync(new Uri($"{source.Url}/api/data/k"), TestHttp.ValueBody("v"));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.False(put.Headers.Contains("X-Notify-Unreached"), "the node was not reached: " + string.Join(", ", put.Headers.TryGetValues("X-Notify-Unreached", out var names) ? names : []));
        Assert.Equal(0, Volatile.Read(ref proxied));
        proxy.Stop();
        await accepting;
    }
}
