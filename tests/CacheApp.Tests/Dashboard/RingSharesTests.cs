using System.Globalization;
using CacheApp.Dashboard;
using GroupCache.Http;

namespace CacheApp.Tests.Dashboard;

public class RingSharesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Of_PoolPeers_SumsToOneAndMatchesThePoolsOwnerOfManyKeys(int peerCount)
    {
        // Given unsorted: the shares must follow the pool's ring, which sorts its peers.
        string[] peers = [.. Enumerable.Range(0, peerCount).Select(i => $"http://127.0.0.{i + 1}:{9000 + (37 * i % 11)}").Reverse()];
        using var pool = new HttpPool(peers[0]);
        pool.SetPeers(peers);

        var shares = RingShares.Of(peers, pool.Options.Replicas);

        Assert.Equal(peerCount, shares.Count);
        Assert.Equal(1.0, shares.Values.Sum(), 12);
        const int Samples = 100_000;
        var counts = pool.Peers.ToDictionary(p => p, _ => 0, StringComparer.Ordinal);
        for (int i = 0; i < Samples; i++)
        {
            counts[pool.OwnerOf("key:" + i.ToString(CultureInfo.InvariantCulture))!]++;
        }

        foreach (var (peer, count) in counts)
        {
            Assert.True(Math.Abs(shares[peer] - (count / (double)Samples)) < 0.015, $"{peer}: share {shares[peer]:F4}, sampled {count / (double)Samples:F4}");
        }
    }
}
