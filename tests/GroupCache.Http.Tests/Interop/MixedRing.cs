using GroupCache.Http.Tests.Support;
using ServiceTesting;

namespace GroupCache.Http.Tests.Interop;

/// <summary>
/// Two C# nodes and one golang/groupcache node on 127.0.0.1, all given the same peer list. Go
/// builds its ring in the order given and we sort, so Go gets the list sorted ordinally.
/// </summary>
public sealed class MixedRing : IAsyncLifetime
{
    public const long CacheBytes = 256L * 1024 * 1024;

    internal TestNode A { get; private set; } = null!;

    internal TestNode B { get; private set; } = null!;

    internal GoPeerProcess Go { get; private set; } = null!;

    internal string[] Peers { get; private set; } = [];

    public async Task InitializeAsync()
    {
        A = await TestNode.StartAsync(cacheBytes: CacheBytes);
        B = await TestNode.StartAsync(cacheBytes: CacheBytes);

        // The Go node needs its ports on its command line; a port taken in between makes it exit, so retry.
        for (int attempt = 1; ; attempt++)
        {
            string goSelf = BalancedGoSelf();
            string api = "127.0.0.1:" + FreePort.Next();
            Peers = [.. new[] { A.Url, B.Url, goSelf }.Order(StringComparer.Ordinal)];
            try
            {
                Go = await GoPeerProcess.StartAsync(goSelf, Peers, api, CacheBytes);
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }

        A.Pool.SetPeers(Peers);
        B.Pool.SetPeers(Peers);
    }

    /// <summary>
    /// A peer URL for the Go node with which every node owns at least a fifth of the interop keys.
    /// The ring hashes the peers' URLs, ports included, so some sets of free ports leave one node a
    /// small share (about one set in 25 left one under 200 of the ~1,100 keys), and the tests then
    /// check little of what that node owns.
    /// </summary>
    private string BalancedGoSelf()
    {
        var keys = InteropKeys.All();
        for (int attempt = 1; ; attempt++)
        {
            string goSelf = "http://127.0.0.1:" + FreePort.Next();
            A.Pool.SetPeers([A.Url, B.Url, goSelf]);
            int smallestShare = new[] { A.Url, B.Url, goSelf }.Min(peer => keys.Count(k => A.Pool.OwnerOf(k) == peer));
            if (smallestShare * 5 >= keys.Count || attempt == 50)
            {
                return goSelf;
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (Go is not null)
        {
            await Go.DisposeAsync();
        }

        if (A is not null)
        {
            await A.DisposeAsync();
        }

        if (B is not null)
        {
            await B.DisposeAsync();
        }
    }
}
