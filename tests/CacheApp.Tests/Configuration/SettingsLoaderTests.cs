using CacheApp.Configuration;

namespace CacheApp.Tests.Configuration;

public class SettingsLoaderTests
{
    private static CacheAppSettings Load(params (string Name, string Value)[] vars)
    {
        var env = vars.ToDictionary(v => v.Name, v => v.Value);
        return SettingsLoader.Load(name => env.GetValueOrDefault(name), () => "10.1.2.3");
    }

    private static string LoadError(params (string Name, string Value)[] vars) =>
        Assert.Throws<SettingsException>(() => Load(vars)).Message;

    [Fact]
    public void Load_NothingSet_UsesTheSeedDefaultsWithTheDetectedHost()
    {
        var s = Load();

        Assert.Equal(8080, s.ApiPort);
        Assert.Equal(8081, s.GroupCachePort);
        Assert.Equal("10.1.2.3", s.SelfHost);
        Assert.Equal("http://10.1.2.3:8080", s.SelfApiAddr);
        Assert.Equal("http://10.1.2.3:8081", s.SelfGroupCacheAddr);
        Assert.Equal("http://10.1.2.3:8086", s.SourceUrl);
        Assert.Empty(s.InitialPeers);
        Assert.Equal("data", s.GroupName);
        Assert.Equal(64L << 20, s.CacheBytes);
        Assert.Null(s.StaticPeers);
        Assert.True(s.DiscoveryEnabled);
        Assert.Null(s.BindHost);
        Assert.Equal(TimeSpan.FromSeconds(5), s.SourceTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), s.MemberDeadAfter);
    }

    [Fact]
    public void Load_SelfHostAndPorts_BuildTheAddresses()
    {
        var s = Load(("SELF_HOST", "127.0.0.1"), ("API_PORT", "9000"), ("GROUPCACHE_PORT", "9001"));

        Assert.Equal("http://127.0.0.1:9000", s.SelfApiAddr);
        Assert.Equal("http://127.0.0.1:9001", s.SelfGroupCacheAddr);
        Assert.Equal("http://127.0.0.1:8086", s.SourceUrl);
        Assert.Equal("127.0.0.1:9000", s.NodeName);
    }

    [Fact]
    public void Load_ExplicitAddresses_AreNormalised()
    {
        var s = Load(("SELF_API_ADDR", "HTTP://Node-A:80/"), ("SELF_GROUPCACHE_ADDR", "http://node-a:8081/"));

        Assert.Equal("http://node-a:80", s.SelfApiAddr);
        Assert.Equal("http://node-a:8081", s.SelfGroupCacheAddr);
    }

    [Fact]
    public void Load_InitialPeers_AreNormalisedDeduplicatedAndExcludeSelf()
    {
        var s = Load(
            ("SELF_HOST", "127.0.0.1"),
            ("INITIAL_PEERS", " http://127.0.0.1:8082/, http://127.0.0.1:8082,http://127.0.0.1:8080 ,,http://127.0.0.1:8084"));

        Assert.Equal(["http://127.0.0.1:8082", "http://127.0.0.1:8084"], s.InitialPeers);
    }

    [Fact]
    public void Load_GroupCachePeersWithSelf_FixesTheRingAndTurnsDiscoveryOff()
    {
        var s = Load(("SELF_HOST", "127.0.0.1"), ("GROUPCACHE_PEERS", "http://127.0.0.1:8081,http://10.0.0.2:8081/"));

        Assert.Equal(["http://127.0.0.1:8081", "http://10.0.0.2:8081"], s.StaticPeers);
        Assert.False(s.DiscoveryEnabled);
    }

    [Theory]
    [InlineData("CACHE_BYTES", "32MB", 32L << 20)]
    [InlineData("CACHE_BYTES", "1048576", 1048576L)]
    [InlineData("CACHE_BYTES", "0", 0L)]
    public void Load_CacheBytes_AcceptsSizes(string name, string value, long expected)
    {
        Assert.Equal(expected, Load((name, value)).CacheBytes);
    }

    [Fact]
    public void Load_EmptyValues_CountAsUnset()
    {
        var s = Load(("API_PORT", ""), ("INITIAL_PEERS", "  "), ("GROUPCACHE_PEERS", ""));

        Assert.Equal(8080, s.ApiPort);
        Assert.True(s.DiscoveryEnabled);
    }

    [Theory]
    [InlineData("API_PORT", "eighty")]
    [InlineData("API_PORT", "0")]
    [InlineData("API_PORT", "70000")]
    [InlineData("GROUPCACHE_PORT", "-1")]
    [InlineData("CACHE_BYTES", "lots")]
    [InlineData("INITIAL_PEERS", "ftp://10.0.0.1:21")]
    [InlineData("INITIAL_PEERS", "http://127.0.0.1:8080/path")]
    [InlineData("SELF_GROUPCACHE_ADDR", "not a url")]
    [InlineData("SELF_API_ADDR", "x")]
    [InlineData("SOURCEAPP_SERVICE_URL", "localhost:8086")]
    [InlineData("SOURCE_TIMEOUT", "0s")]
    [InlineData("SOURCE_TIMEOUT", "fast")]
    [InlineData("MEMBER_DEAD_AFTER", "1ms")]
    [InlineData("BIND_HOST", "every-interface")]
    [InlineData("OUTGOING_BIND_HOST", "localhost")]
    [InlineData("OUTGOING_BIND_HOST", "192.0.2.1")] // TEST-NET-1, on no interface here: only bound, never connected
    [InlineData("GROUP_NAME", "two words")]
    [InlineData("SELF_HOST", "bad host!")]
    [InlineData("SELF_HOST", "0.0.0.0")] // where to listen, not where the others reach it
    [InlineData("SELF_HOST", "::")]
    [InlineData("SELF_HOST", "[::]")]
    [InlineData("MAX_VALUE_BYTES", "0")]
    [InlineData("MAX_VALUE_BYTES", "3GiB")]
    [InlineData("MAX_VALUE_BYTES", "2147483527")] // a byte over what the peer client can take (HttpPoolOptions.MaxValueBytesLimit)
    [InlineData("MAX_VALUE_BYTES", "big")]
    [InlineData("CACHE_TTL", "900000h")] // over the library's 100 years
    [InlineData("SOURCE_HEALTH_INTERVAL", "0.5ms")] // timers count whole milliseconds
    [InlineData("SOURCE_HEALTH_INTERVAL", "1200h")] // timers take at most about 24.8 days
    [InlineData("SOURCE_TIMEOUT", "600h")] // so do socket timeouts
    [InlineData("CLUSTER_SECRET", "tab\there")]
    [InlineData("CLUSTER_SECRET", "geheimnis-\u00fc")]
    public void Load_BadValue_ThrowsNamingTheVariable(string name, string value)
    {
        Assert.Contains(name, LoadError((name, value)));
    }

    [Fact]
    public void Load_OutgoingBindHost_IsTheAddressConnectionsStartFrom()
    {
        Assert.Null(Load().OutgoingBindAddress);
        Assert.Equal(System.Net.IPAddress.Parse("127.0.0.3"), Load(("OUTGOING_BIND_HOST", "127.0.0.3")).OutgoingBindAddress);
    }

    [Fact]
    public void Load_DurationsAtTheirLimits_AreTaken()
    {
        var s = Load(("SOURCE_TIMEOUT", "1ms"), ("SOURCE_HEALTH_INTERVAL", "576h"), ("CACHE_TTL", "876000h"));

        Assert.Equal(TimeSpan.FromMilliseconds(1), s.SourceTimeout);
        Assert.Equal(SettingsLoader.MaxDuration, s.SourceHealthInterval);
        Assert.Equal(GroupCache.GroupOptions.MaxTtl, s.CacheTtl);
    }

    [Fact]
    public void Load_LongestSourceTimeout_DefaultPeerTimeoutStaysWithinItsLimit()
    {
        // The default is a second longer than SOURCE_TIMEOUT; at its limit, that second would pass the
        // peer timeout's limit, and the peer pool would refuse it after the settings were taken.
        var s = Load(("SOURCE_TIMEOUT", "576h"));

        Assert.Equal(SettingsLoader.MaxDuration, s.SourceTimeout);
        Assert.Equal(SettingsLoader.MaxDuration, s.PeerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), Load(("SOURCE_TIMEOUT", "3s")).PeerTimeout);
    }

    [Fact]
    public void Load_SecretFileWithASecondLine_IsRejected()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "first-line\nsecond-line\n");

            Assert.Contains("CLUSTER_SECRET", LoadError(("CLUSTER_SECRET_FILE", file)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Load_SamePorts_AreRejected()
    {
        Assert.Contains("must differ", LoadError(("API_PORT", "9000"), ("GROUPCACHE_PORT", "9000")));
    }

    [Fact]
    public void Load_GroupCachePeersWithoutSelf_IsRejected()
    {
        Assert.Contains("must include", LoadError(("SELF_HOST", "127.0.0.1"), ("GROUPCACHE_PEERS", "http://10.0.0.2:8081")));
    }

    [Fact]
    public void Load_SeveralBadValues_ReportsEach()
    {
        string message = LoadError(("API_PORT", "x"), ("CACHE_BYTES", "y"));

        Assert.Contains("API_PORT", message);
        Assert.Contains("CACHE_BYTES", message);
    }

    [Fact]
    public void Load_SelfHostSet_DoesNotDetect()
    {
        var s = SettingsLoader.Load(n => n == "SELF_HOST" ? "127.0.0.1" : null, () => throw new InvalidOperationException("detection ran"));

        Assert.Equal("127.0.0.1", s.SelfHost);
    }

    [Fact]
    public void Load_IPv6SelfHost_IsBracketedInAddresses()
    {
        Assert.Equal("http://[::1]:8081", Load(("SELF_HOST", "::1")).SelfGroupCacheAddr);
    }

    [Fact]
    public void Load_ClusterSecretAndMaxValueBytes_AreRead()
    {
        var s = Load(("CLUSTER_SECRET", "s3cret"), ("MAX_VALUE_BYTES", "1MB"));

        Assert.Equal("s3cret", s.ClusterSecret);
        Assert.Equal(1L << 20, s.MaxValueBytes);
    }

    [Theory]
    [InlineData("from-a-file")]
    [InlineData("from-a-file\n")]
    [InlineData("from-a-file\r\n")]
    public void Load_ClusterSecretFile_ReadsTheSecretWithoutTheTrailingNewline(string contents)
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "secret");
        File.WriteAllText(path, contents);

        var s = Load(("CLUSTER_SECRET_FILE", path));

        Assert.Equal("from-a-file", s.ClusterSecret);
    }

    [Fact]
    public void Load_ClusterSecretFileMissing_IsAnErrorNamingTheVariable()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "absent");

        string error = LoadError(("CLUSTER_SECRET_FILE", path));

        Assert.Contains($"CLUSTER_SECRET_FILE '{path}' cannot be read", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("  \r\n")]
    public void Load_ClusterSecretFileEmpty_IsAnErrorNamingTheVariable(string contents)
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "secret");
        File.WriteAllText(path, contents);

        string error = LoadError(("CLUSTER_SECRET_FILE", path));

        Assert.Contains($"CLUSTER_SECRET_FILE '{path}' is empty", error);
    }

    [Fact]
    public void Load_ClusterSecretFileADirectory_IsAnErrorNamingTheVariable()
    {
        using var dir = new TempDir();

        string error = LoadError(("CLUSTER_SECRET_FILE", dir.Path));

        Assert.Contains($"CLUSTER_SECRET_FILE '{dir.Path}' cannot be read", error);
    }

    [Fact]
    public void Load_ClusterSecretAndClusterSecretFile_IsAnError()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "secret");
        File.WriteAllText(path, "from-a-file");

        string error = LoadError(("CLUSTER_SECRET", "inline"), ("CLUSTER_SECRET_FILE", path));

        Assert.Contains("CLUSTER_SECRET and CLUSTER_SECRET_FILE are both set", error);
    }

    [Fact]
    public void Load_OldSecretName_IsIgnored()
    {
        var s = Load(("GROUPCACHE_SECRET", "s3cret"));

        Assert.Null(s.ClusterSecret);
        Assert.Equal(64L << 20, s.MaxValueBytes);
    }
}
