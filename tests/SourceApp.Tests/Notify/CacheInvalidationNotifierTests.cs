using Microsoft.Extensions.Logging.Abstractions;
using SourceApp.Notify;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Notify;

public class CacheInvalidationNotifierTests
{
    private static CacheInvalidationNotifier Create(IReadOnlyList<Uri> nodes, int capacity = 100, int rounds = 3) =>
        new(nodes, NullLogger.Instance, capacity, rounds, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5));

    /// <summary>Completes with each key's outcome once it is settled.</summary>
    private static TaskCompletionSource<(string Key, bool Delivered)> Watch(CacheInvalidationNotifier notifier)
    {
        var settled = new TaskCompletionSource<(string, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
        notifier.Settled = (key, delivered) => settled.TrySetResult((key, delivered));
        return settled;
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", "a/b c+€?#%", "http://127.0.0.1:8080/api/data/a%2Fb%20c%2B%E2%82%AC%3F%23%25")]
    [InlineData("http://127.0.0.1:8080/", "apple", "http://127.0.0.1:8080/api/data/apple")]
    [InlineData("http://[::1]:8080/prefix/", "k", "http://[::1]:8080/prefix/api/data/k")]
    public void InvalidationUri_EscapesTheKeyUnderTheNodesApi(string node, string key, string expected)
    {
        var uri = InvalidationSender.InvalidationUri(new Uri(node), key);

        Assert.Equal(expected, uri.AbsoluteUri);
    }

    [Fact]
    public async Task KeyChanged_FirstNodeDown_TheNextNodeGetsTheDelete()
    {
        await using var live = await FakeCacheNode.StartAsync();
        using var notifier = Create([FakeCacheNode.DeadAddress(), live.BaseAddress]);
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        notifier.Settled = (key, delivered) =>
        {
            outcomes[key] = delivered;
            if (outcomes.Count == 2)
            {
                settled.TrySetResult();
            }
        };
        await notifier.StartAsync(CancellationToken.None);

        // Round-robin: the first key starts at the dead node and fails over; the second starts at the live one.
        _ = notifier.KeyChangedAsync("a/b c+€");
        _ = notifier.KeyChangedAsync("second");

        await settled.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(outcomes["a/b c+€"]);
        Assert.True(outcomes["second"]);
        Assert.Equal(
            ["DELETE /api/data/a%2Fb%20c%2B%E2%82%AC", "DELETE /api/data/second"],
            live.Requests.Order(StringComparer.Ordinal));
        Assert.Equal(0, notifier.Dropped);
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task KeyChanged_OnlyTheFirstNodeIsAsked_WhenItAnswers()
    {
        await using var first = await FakeCacheNode.StartAsync();
        await using var second = await FakeCacheNode.StartAsync();
        using var notifier = Create([first.BaseAddress, second.BaseAddress]);
        var settled = Watch(notifier);
        await notifier.StartAsync(CancellationToken.None);

        _ = notifier.KeyChangedAsync("k");

        Assert.Equal(("k", true), await settled.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Single(first.Requests);
        Assert.Empty(second.Requests);
        await notifier.StopAsync(CancellationToken.None);
    }

    /// <summary>
    /// A cache node answers its DELETE with 200 also for a key it does not hold: a 404 comes from
    /// something else at that address (its groupcache port, a wrong path prefix), which forgot nothing.
    /// </summary>
    [Fact]
    public async Task KeyChanged_NodeAnswers404_IsAFailure_RetriedEachRoundThenDropped()
    {
        await using var node = await FakeCacheNode.StartAsync();
        node.Status = 404;
        using var notifier = Create([node.BaseAddress], rounds: 3);
        var settled = Watch(notifier);
        await notifier.StartAsync(CancellationToken.None);

        _ = notifier.KeyChangedAsync("k");

        Assert.Equal(("k", false), await settled.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(3, node.Requests.Count);
        Assert.Equal(1, notifier.Dropped);
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task KeyChanged_EveryNodeFails_RetriesEachRoundThenDrops()
    {
        await using var a = await FakeCacheNode.StartAsync();
        await using var b = await FakeCacheNode.StartAsync();
        a.Status = b.Status = 503;
        using var notifier = Create([a.BaseAddress, b.BaseAddress], rounds: 3);
        var settled = Watch(notifier);
        await notifier.StartAsync(CancellationToken.None);

        _ = notifier.KeyChangedAsync("k");

        Assert.Equal(("k", false), await settled.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(3, a.Requests.Count);
        Assert.Equal(3, b.Requests.Count);
        Assert.Equal(1, notifier.Dropped);
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void KeyChanged_QueueFull_DropsWithoutBlocking()
    {
        // Not started: nothing drains the queue of one.
        using var notifier = Create([FakeCacheNode.DeadAddress()], capacity: 1);

        _ = notifier.KeyChangedAsync("first");
        _ = notifier.KeyChangedAsync("second");
        _ = notifier.KeyChangedAsync("third");

        Assert.Equal(2, notifier.Dropped);
    }
}
