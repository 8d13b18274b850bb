using CacheApp.Configuration;
using CacheApp.Dashboard;
using CacheApp.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CacheApp.Tests.Dashboard;

/// <summary>The cluster view behind GET /api/admin/cluster (<see cref="ClusterView"/>), built as the node builds it.</summary>
public sealed class ClusterViewTests
{
    // The cluster view is shared for half a second. After the wall clock stepped back an hour it
    // must still be collected afresh once that half second is over, not an hour later.
    [Fact]
    public async Task ClusterView_WallClockSteppedBack_IsStillCollectedAfresh()
    {
        var time = new ManualTime();
        var settings = new CacheAppSettings
        {
            SelfHost = "127.0.0.1",
            NodeName = "n",
            SelfApiAddr = "http://127.0.0.1:1",
            SelfGroupCacheAddr = "http://127.0.0.1:2",
            SourceUrl = "http://127.0.0.1:3",
            StaticPeers = ["http://127.0.0.1:2"],
            GroupName = "cluster-view-" + Guid.NewGuid().ToString("N"),
        };
        var services = new ServiceCollection().AddLogging();
        services.AddCacheNode(settings);
        services.AddSingleton<TimeProvider>(time);
        await using var provider = services.BuildServiceProvider();
        var view = provider.GetRequiredService<ClusterView>();

        var first = await view.GetAsync();
        time.Advance(-TimeSpan.FromHours(1));
        time.Advance(TimeSpan.FromSeconds(2));
        var second = await view.GetAsync();

        Assert.NotSame(first, second);
    }
}
