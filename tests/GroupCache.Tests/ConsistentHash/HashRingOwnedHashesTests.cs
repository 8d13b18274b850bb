using System.Globalization;
using System.Text;
using System.Text.Json;
using GroupCache.ConsistentHash;

namespace GroupCache.Tests.ConsistentHash;

/// <summary>Each peer's share of the hash space, as the dashboard shows it.</summary>
public class HashRingOwnedHashesTests
{
    private const long HashSpace = 1L << 32;

    private static uint NumericHash(ReadOnlySpan<byte> data) =>
        uint.Parse(Encoding.UTF8.GetString(data), CultureInfo.InvariantCulture);

    [Fact]
    public void OwnedHashes_SmallRingByHand_CountsEveryArcWithWrapAround()
    {
        // Points 2,4,6,12,14,16,22,24,26 owned by 2,4,6,2,4,6,2,4,6. A point owns the hashes after
        // the previous point up to itself; point 2 also owns everything past 26 (2^32 - 26 + 2).
        var ring = new HashRing(3, NumericHash);
        ring.Add("6", "4", "2");

        var owned = ring.OwnedHashes();

        Assert.Equal(HashSpace - 26 + 2 + 6 + 6, owned["2"]);
        Assert.Equal(2 + 2 + 2, owned["4"]);
        Assert.Equal(2 + 2 + 2, owned["6"]);
    }

    [Fact]
    public void OwnedHashes_OnePoint_OwnsTheWholeSpace()
    {
        var ring = new HashRing(1, _ => 12345);
        ring.Add("only");

        Assert.Equal(HashSpace, Assert.Single(ring.OwnedHashes()).Value);
    }

    [Fact]
    public void OwnedHashes_EmptyRing_IsEmpty() => Assert.Empty(new HashRing(50).OwnedHashes());

    [Fact]
    public void OwnedHashes_AllPointsCollide_LaterPeerOwnsEverything()
    {
        var ring = new HashRing(2, _ => 7);
        ring.Add("first", "second");

        var owned = ring.OwnedHashes();

        Assert.Equal(HashSpace, Assert.Single(owned, p => p.Key == "second").Value);
        Assert.DoesNotContain("first", owned.Keys);
    }

    [Fact]
    public void OwnedHashes_GoVectorRings_SumToTheWholeSpaceAndMatchSampledKeys()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", "consistenthash.json")));
        int rings = 0;
        foreach (var ringCase in doc.RootElement.EnumerateArray())
        {
            string[] peers = [.. ringCase.GetProperty("peers").EnumerateArray().Select(p => p.GetString()!)];
            var ring = new HashRing(ringCase.GetProperty("replicas").GetInt32());
            ring.Add(peers);

            var owned = ring.OwnedHashes();

            Assert.Equal(peers.Order(StringComparer.Ordinal), owned.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(HashSpace, owned.Values.Sum());
            Assert.All(owned.Values, v => Assert.True(v > 0));

            // The share is what the ring does with keys: the fraction of many random keys each
            // peer gets. 200,000 keys put the standard error of a fraction under 0.0012.
            const int Samples = 200_000;
            var counts = peers.ToDictionary(p => p, _ => 0, StringComparer.Ordinal);
            var random = new Random(rings + 1);
            var key = new StringBuilder();
            for (int i = 0; i < Samples; i++)
            {
                key.Clear();
                int length = random.Next(1, 24);
                for (int c = 0; c < length; c++)
                {
                    key.Append((char)random.Next(0x20, 0x7f));
                }

                counts[ring.Get(key.ToString())!]++;
            }

            foreach (string peer in peers)
            {
                double share = owned[peer] / (double)HashSpace;
                double sampled = counts[peer] / (double)Samples;
                Assert.True(Math.Abs(share - sampled) < 0.01, $"{peer}: share {share:F4}, sampled {sampled:F4}");
            }

            rings++;
        }

        Assert.True(rings >= 5, $"only {rings} rings in the vectors");
    }
}
