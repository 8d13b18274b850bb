using System.Globalization;
using System.Text;
using System.Text.Json;
using GroupCache.ConsistentHash;

namespace GroupCache.Tests.ConsistentHash;

public class HashRingTests
{
    // Upstream's logic check: a hash that reads the key as a decimal number, so that the ring can be
    // worked out by hand. Peers "6","4","2" with 3 replicas sit at 2,4,6,12,14,16,22,24,26.
    private static uint NumericHash(ReadOnlySpan<byte> data) =>
        uint.Parse(Encoding.UTF8.GetString(data), CultureInfo.InvariantCulture);

    [Fact]
    public void Get_WithNumericHash_FollowsTheRingByHand()
    {
        var ring = new HashRing(3, NumericHash);
        ring.Add("6", "4", "2");

        Assert.Equal("2", ring.Get("2"));
        Assert.Equal("2", ring.Get("11"));
        Assert.Equal("4", ring.Get("23"));
        Assert.Equal("2", ring.Get("27")); // wraps around to 2

        ring.Add("8"); // adds 8, 18, 28

        Assert.Equal("8", ring.Get("27"));
    }

    [Fact]
    public void Get_OnEmptyRing_ReturnsNull()
    {
        var ring = new HashRing(50);

        Assert.True(ring.IsEmpty);
        Assert.Null(ring.Get("anything"));
    }

    [Fact]
    public void Get_DoesNotDependOnPeerOrder()
    {
        var a = new HashRing(50);
        a.Add("Bill", "Bob", "Bonny");
        var b = new HashRing(50);
        b.Add("Bob", "Bonny", "Bill");

        for (int i = 0; i < 1000; i++)
        {
            string key = "key-" + i.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(a.Get(key), b.Get(key));
        }
    }

    [Fact]
    public void Add_OnCollision_LaterPeerWins()
    {
        // Every point of both peers hashes to 7: the peer added last owns them all, as in Go.
        var ring = new HashRing(2, _ => 7);
        ring.Add("first", "second");

        Assert.Equal("second", ring.Get("x"));
    }

    [Fact]
    public void Get_ComparesHashesUnsigned()
    {
        // Points straddle 2^31: a signed comparison would put 0x80000001 before 0x7fffffff.
        var ring = new HashRing(1, data => Encoding.UTF8.GetString(data) switch
        {
            "0low" => 0x7fffffffu,
            "0high" => 0x80000001u,
            "mid" => 0x80000000u,
            "top" => 0xffffffffu,
            _ => 0u,
        });
        ring.Add("low", "high");

        Assert.Equal("high", ring.Get("mid"));
        Assert.Equal("low", ring.Get("top")); // past the last point: wraps to the first
    }

    [Fact]
    public void Get_MatchesGolangGroupcacheOnEveryGoldenVector()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", "consistenthash.json")));
        int checkedKeys = 0;
        foreach (var ringCase in doc.RootElement.EnumerateArray())
        {
            var ring = new HashRing(ringCase.GetProperty("replicas").GetInt32());
            ring.Add([.. ringCase.GetProperty("peers").EnumerateArray().Select(p => p.GetString()!)]);
            foreach (var pair in ringCase.GetProperty("owners").EnumerateArray())
            {
                string key = pair[0].GetString()!;
                Assert.True(pair[1].GetString() == ring.Get(key), $"owner of '{key}'");
                checkedKeys++;
            }
        }

        Assert.True(checkedKeys >= 5000, $"only {checkedKeys} vectors checked");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(50, 10)]
    [InlineData(200, 16)]
    public void Get_AgreesWithANaiveScanOfTheSortedPoints(int replicas, int peerCount)
    {
        string[] peers = [.. Enumerable.Range(0, peerCount).Select(i => "http://127.0.0.1:" + (9000 + i).ToString(CultureInfo.InvariantCulture))];
        var ring = new HashRing(replicas);
        ring.Add(peers);
        var points = new List<(uint Hash, string Peer)>();
        foreach (string peer in peers)
        {
            for (int i = 0; i < replicas; i++)
            {
                points.Add((System.IO.Hashing.Crc32.HashToUInt32(Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture) + peer)), peer));
            }
        }

        points.Sort((a, b) => a.Hash.CompareTo(b.Hash));
        var random = new Random(12345);
        for (int n = 0; n < 2000; n++)
        {
            string key = "k" + random.Next().ToString(CultureInfo.InvariantCulture);
            uint hash = System.IO.Hashing.Crc32.HashToUInt32(Encoding.UTF8.GetBytes(key));
            int index = points.FindIndex(p => p.Hash >= hash);
            string expected = points[index < 0 ? 0 : index].Peer;
            Assert.Equal(expected, ring.Get(key));
        }
    }
}
