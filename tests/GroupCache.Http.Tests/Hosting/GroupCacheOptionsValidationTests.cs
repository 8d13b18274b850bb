using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GroupCache.Http.Tests.Hosting;

/// <summary>Every bad "GroupCache" setting stops the host at start, with a message that names it.</summary>
public class GroupCacheOptionsValidationTests
{
    private static IHost NewHost(IDictionary<string, string?> settings)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var config = new Dictionary<string, string?> { ["GroupCache:Self"] = "http://127.0.0.1:5001" };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddGroupCache().AddGroup("products", 1 << 20, (key, _) => ValueTask.FromResult(ByteView.FromString(key)));
        return builder.Build();
    }

    public static TheoryData<string, string?, string> BadSettings => new()
    {
        { "GroupCache:Self", "", "GroupCache:Self is required" },
        { "GroupCache:Self", "ftp://127.0.0.1:5001", "GroupCache:Self" },
        { "GroupCache:Self", "http://127.0.0.1:5001/path", "GroupCache:Self" },
        { "GroupCache:Peers:0", "127.0.0.1:5002", "GroupCache:Peers:0" },
        { "GroupCache:BasePath", "_groupcache/", "GroupCache:BasePath must start and end with '/'" },
        { "GroupCache:BasePath", "/a b/", "GroupCache:BasePath may hold only" },
        { "GroupCache:Replicas", "0", "GroupCache:Replicas must be positive" },
        { "GroupCache:Replicas", "many", "GroupCache:Replicas" },
        { "GroupCache:Replicas", "1000000000", "GroupCache:Replicas must be positive and at most 10000, got 1000000000" },
        { "GroupCache:PeerTimeout", "-00:00:01", "GroupCache:PeerTimeout must be positive" },
        { "GroupCache:PeerTimeout", "00:00:00", "GroupCache:PeerTimeout must be positive" },
        { "GroupCache:PeerTimeout", "30.00:00:00", "GroupCache:PeerTimeout must be positive and at most 24 days" },
        { "GroupCache:MaxValueBytes", "-1", "GroupCache:MaxValueBytes must be between 0 and" },
        { "GroupCache:MaxValueBytes", "9000000000", "GroupCache:MaxValueBytes must be between 0 and" },
        { "GroupCache:ClusterSecret", "two\nlines", "GroupCache:ClusterSecret may hold only printable ASCII" },
        { "GroupCache:ClusterSecret", "s3cret ", "GroupCache:ClusterSecret must not start or end with a space" },
        { "GroupCache:LocalAddress", "localhost", "GroupCache:LocalAddress must be an IP address of this host" },

        // TEST-NET-1, never routed and no host's address: parsing passes, binding to it fails.
        { "GroupCache:LocalAddress", "192.0.2.1", "GroupCache:LocalAddress must be an IP address of this host, got 192.0.2.1: a socket cannot be bound to it" },
        { "GroupCache:PeerPort", "0", "GroupCache:PeerPort must be between 1 and 65535" },
        { "GroupCache:PeerPort", "65536", "GroupCache:PeerPort must be between 1 and 65535" },
        { "GroupCache:Groups:products:CacheBytes", "-1", "GroupCache:Groups:products:CacheBytes must be 0 or more" },
        { "GroupCache:Groups:products:Ttl", "-00:00:01", "GroupCache:Groups:products:Ttl must be between 00:00:00 (forever) and 36500.00:00:00" },
        { "GroupCache:Groups:products:Ttl", "36500.00:00:01", "GroupCache:Groups:products:Ttl must be between 00:00:00 (forever) and 36500.00:00:00" },
        { "GroupCache:Groups:products:Ttl", TimeSpan.MaxValue.ToString(), "GroupCache:Groups:products:Ttl must be between" },
        { "GroupCache:Groups:products:Ttl", "soon", "GroupCache:Groups:products:Ttl must be a duration" },
        { "GroupCache:Groups:products:CacheBytes", "64MB", "GroupCache:Groups:products:CacheBytes must be a whole number" },
        { "GroupCache:Groups:orders:CacheBytes", "1024", "GroupCache:Groups:orders configures a group that is not registered" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task StartAsync_InvalidSetting_StopsWithMessageNamingIt(string setting, string? value, string expected)
    {
        using var host = NewHost(new Dictionary<string, string?> { [setting] = value });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SeveralInvalidSettings_NamesEachOfThem()
    {
        using var host = NewHost(new Dictionary<string, string?> { ["GroupCache:Replicas"] = "-3", ["GroupCache:PeerPort"] = "0" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.StartsWith("GroupCache:Replicas", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("GroupCache:PeerPort", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_LocalAddressOfThisHost_StartsAndThePoolHasIt()
    {
        // All of 127.0.0.0/8 is this host's on Linux; only a socket is bound to it, no traffic.
        using var host = NewHost(new Dictionary<string, string?> { ["GroupCache:LocalAddress"] = "127.0.0.2" });

        await host.StartAsync();
        try
        {
            Assert.Equal(System.Net.IPAddress.Parse("127.0.0.2"), host.Services.GetRequiredService<HttpPool>().Options.LocalAddress);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task StartAsync_LongestAllowedTtl_Starts()
    {
        using var host = NewHost(new Dictionary<string, string?> { ["GroupCache:Groups:products:Ttl"] = GroupOptions.MaxTtl.ToString() });

        await host.StartAsync();
        try
        {
            Assert.Equal(GroupOptions.MaxTtl, host.Services.GetRequiredKeyedService<Group>("products").Ttl);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
