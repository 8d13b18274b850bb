using GroupCache.Http.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GroupCache.Http.Tests.Hosting;

/// <summary>Counts the process's sockets, so nothing else may open or close any meanwhile.</summary>
[CollectionDefinition(nameof(SocketCountingCollection), DisableParallelization = true)]
public sealed class SocketCountingCollection;

[Collection(nameof(SocketCountingCollection))]
public class PoolDisposalTests
{
    private static int OpenSockets() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Count(fd => fd.LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true);

    [Fact]
    public async Task HostStop_AfterPeerFetches_ClosesEveryPeerConnection()
    {
        int before = OpenSockets();
        string[] urls = [FrontDoorNode.NewUrl(), FrontDoorNode.NewUrl()];
        var settings = new Dictionary<string, string?> { ["GroupCache:Peers:0"] = urls[0], ["GroupCache:Peers:1"] = urls[1] };
        var nodes = await Task.WhenAll(urls.Select(url => FrontDoorNode.StartAsync(
            url, settings, g => g.AddGroup("data", 1 << 20, (key, _) => ValueTask.FromResult(ByteView.FromString("v:" + key))))));
        var caller = nodes[0].Group("data");
        string[] keys = [.. Enumerable.Range(0, 5_000).Select(i => $"key-{i}").Where(k => nodes[0].Pool.OwnerOf(k) == urls[1]).Take(64)];

        // Concurrent misses: the caller opens several connections to its peer.
        await Task.WhenAll(keys.Select(k => caller.GetAsync(k).AsTask()));
        int during = OpenSockets();

        await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (OpenSockets() > before && !deadline.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        Assert.True(caller.Stats.PeerLoads > 0);
        Assert.True(during > before + 2, $"{during} sockets while running, {before} before");
        Assert.True(OpenSockets() <= before, $"{OpenSockets()} sockets after the hosts stopped, {before} before");
    }
}
