using Microsoft.Extensions.Logging;
using SourceApp.Notify;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Notify;

/// <summary>A cache node that is down fails every write's notification: the source warns about it every few seconds, not per write.</summary>
public class NotifyWarningsTests
{
    /// <summary>Timestamps that move only when the test says so.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _now = 1_000_000;

        public override long TimestampFrequency => 1_000;

        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan by) => _now += (long)by.TotalMilliseconds;
    }

    private static readonly Uri Node = new("http://127.0.0.1:9/");

    [Fact]
    public void EachKind_LogsOncePerInterval_ThenNamesHowManyItHeldBack()
    {
        using var logs = new CapturingLoggerProvider();
        var clock = new SteppedClock();
        var warnings = new NotifyWarnings(logs.CreateLogger("notify"), clock);

        for (int i = 0; i < 10; i++)
        {
            warnings.Unreached($"k{i}", [Node]);
            warnings.RetryQueueFull(Node, $"k{i}");
            warnings.QueueFull($"k{i}");
            warnings.Dropped($"k{i}", 3);
        }

        var warned = logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(4, warned.Count);
        Assert.All(warned, e => Assert.Equal(0L, e.Fields["Suppressed"]));

        // Keys given up (by the async queue, or for want of room) are each named at Debug: they stay stale.
        var droppedKeys = logs.Entries.Where(e => e.Level == LogLevel.Debug).Select(e => (string)e.Fields["Key"]!).ToList();
        Assert.Equal(3 * 9, droppedKeys.Count);
        Assert.Equal(Enumerable.Range(1, 9).Select(i => $"k{i}"), droppedKeys.Distinct());

        clock.Advance(NotifyWarnings.Interval);
        warnings.Unreached("later", [Node]);

        var last = logs.Entries.Last();
        Assert.Equal(5, logs.Entries.Count(e => e.Level == LogLevel.Warning));
        Assert.Equal("later", last.Fields["Key"]);
        Assert.Equal(9L, last.Fields["Suppressed"]);
    }

    [Fact]
    public async Task ConfirmedNotifier_NodeRefusingEveryWrite_WarnsOnceForTwentyWrites()
    {
        await using var node = await FakeCacheNode.StartAsync();
        node.Script = _ => Task.FromResult(500);
        using var logs = new CapturingLoggerProvider();
        using var sender = new InvalidationSender(logs.CreateLogger("sender"), TimeSpan.FromSeconds(5));
        using var retries = new InvalidationRetryQueue([node.BaseAddress], sender, logs.CreateLogger("retries"),
            capacityPerNode: 5, firstBackoff: TimeSpan.FromMinutes(1), maxBackoff: TimeSpan.FromMinutes(1), new SteppedClock());
        var notifier = new ConfirmedInvalidationNotifier([node.BaseAddress], TimeSpan.FromSeconds(5), sender, retries,
            logs.CreateLogger("notifier"), new SteppedClock());

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal([node.BaseAddress], await notifier.KeyChangedAsync($"k{i}"));
        }

        // One "unreached" warning, and one "retry queue full" once the sixth key did not fit; the
        // rest are counted for the next message. The retry queue never ran (not started): 15 dropped.
        var warnings = logs.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Equal("notifier", warnings[0].Category);
        Assert.Equal("retries", warnings[1].Category);
        Assert.Equal("k5", warnings[1].Fields["Key"]);
        Assert.Equal(15, retries.Dropped);
    }
}
