using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GroupCache.Http.Tests.Support;

/// <summary>
/// A peer that answers every request with a handler of the test's choosing (a wrong status, a
/// broken body, no answer at all), and a C# node whose ring sends chosen keys to it.
/// </summary>
internal sealed class RoguePeer : IAsyncDisposable
{
    private readonly TestServerHost _host;

    private RoguePeer(TestServerHost host, TestNode node)
    {
        _host = host;
        Node = node;
    }

    public string Url => _host.Url;

    /// <summary>A node whose ring holds itself and the rogue peer.</summary>
    public TestNode Node { get; }

    public static async Task<RoguePeer> StartAsync(RequestDelegate handler, HttpPoolOptions? clientOptions = null, GroupOptions? groupOptions = null)
    {
        var host = await TestServerHost.StartAsync(app => app.Run(handler));
        var node = await TestNode.StartAsync(clientOptions: clientOptions, groupOptions: groupOptions);
        node.Pool.SetPeers([node.Url, host.Url]);
        return new RoguePeer(host, node);
    }

    /// <summary>A key of the form prefix + n that the node's ring gives to the rogue peer.</summary>
    public string KeyOwnedByRogue(string prefix = "k") =>
        Enumerable.Range(0, 10_000).Select(i => prefix + i).First(k => Node.Pool.OwnerOf(k) == Url);

    public async ValueTask DisposeAsync()
    {
        await Node.DisposeAsync();
        await _host.DisposeAsync();
    }
}
