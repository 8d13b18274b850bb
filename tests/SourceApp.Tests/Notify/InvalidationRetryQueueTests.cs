using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using SourceApp.Notify;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Notify;

public class InvalidationRetryQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task KeyWrittenAgainWhileItsRetryIsInFlight_StaysPendingAndIsSentAgain()
    {
        // The node holds the retry's DELETE (request 0) open until the test answers it, refuses the
        // second write's own DELETE (request 1) and confirms everything after that.
        var retryAnswer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = await FakeCacheNode.StartAsync();
        node.Script = index => index switch
        {
            0 => retryAnswer.Task,
            1 => Task.FromResult(500),
            _ => Task.FromResult(200),
        };
        using var sender = new InvalidationSender(NullLogger.Instance, Patience);
        using var retries = new InvalidationRetryQueue([node.BaseAddress], sender, NullLogger.Instance,
            capacityPerNode: 10, firstBackoff: TimeSpan.FromMilliseconds(10), maxBackoff: TimeSpan.FromMilliseconds(10));
        var notifier = new ConfirmedInvalidationNotifier([node.BaseAddress], Patience, sender, retries, NullLogger.Instance);

        // What is still pending right after each confirmation, read before the loop can send again.
        using var pendingAfterConfirmation = new BlockingCollection<int>();
        retries.Confirmed = (confirmed, _) => pendingAfterConfirmation.Add(retries.PendingFor(confirmed));
        await retries.StartAsync(CancellationToken.None);
        try
        {
            // Write 1's notification failed: k waits for the node, and the loop's DELETE is in flight.
            retries.Add(node.BaseAddress, "k");
            Assert.Equal("DELETE /api/data/k", await node.NextRequestAsync(0));

            // Write 2 commits k; its own DELETE is refused, so the notifier hands k to the queue again.
            Assert.Equal([node.BaseAddress], await notifier.KeyChangedAsync("k"));
            Assert.Equal("DELETE /api/data/k", await node.NextRequestAsync(1));

            // The node confirms the DELETE sent before write 2: that says nothing about write 2's value.
            retryAnswer.SetResult(200);
            Assert.True(pendingAfterConfirmation.TryTake(out var pending, Patience), "the retry was never confirmed");
            Assert.Equal(1, pending);

            // So k goes out once more, and only that confirmation empties the queue.
            Assert.Equal("DELETE /api/data/k", await node.NextRequestAsync(2));
            Assert.True(pendingAfterConfirmation.TryTake(out pending, Patience), "the second retry was never confirmed");
            Assert.Equal(0, pending);
            Assert.Equal(0, retries.Dropped);
        }
        finally
        {
            retryAnswer.TrySetResult(200); // never leave the node holding a request
            await retries.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task KeyAddedAgainWhileItsRetryIsInFlight_IsSentAgainAfterTheKeysThatWaitedMeanwhile()
    {
        // A key written faster than a slow node answers: it used to stay at the front, be resent for
        // ever, and the keys behind it never went out.
        var firstAnswer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var node = await FakeCacheNode.StartAsync();
        node.Script = index => index == 0 ? firstAnswer.Task : Task.FromResult(200);
        using var sender = new InvalidationSender(NullLogger.Instance, Patience);
        using var retries = new InvalidationRetryQueue([node.BaseAddress], sender, NullLogger.Instance,
            capacityPerNode: 10, firstBackoff: TimeSpan.FromMilliseconds(10), maxBackoff: TimeSpan.FromMilliseconds(10));
        await retries.StartAsync(CancellationToken.None);
        try
        {
            retries.Add(node.BaseAddress, "hot");
            Assert.Equal("DELETE /api/data/hot", await node.NextRequestAsync(0));
            retries.Add(node.BaseAddress, "cold");
            retries.Add(node.BaseAddress, "hot"); // written again while its DELETE is in flight
            firstAnswer.SetResult(200);

            Assert.Equal("DELETE /api/data/cold", await node.NextRequestAsync(1));
            Assert.Equal("DELETE /api/data/hot", await node.NextRequestAsync(2));
        }
        finally
        {
            firstAnswer.TrySetResult(200);
            await retries.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task KeyTheNodeRefuses_DoesNotHoldUpTheKeysBehindIt()
    {
        // The node refuses every DELETE of "bad" (a proxy in front of it that rejects the key, say)
        // and confirms the others.
        await using var node = await FakeCacheNode.StartAsync();
        node.Script = index => Task.FromResult(node.Requests.ElementAt(index).EndsWith("/bad", StringComparison.Ordinal) ? 500 : 200);
        using var sender = new InvalidationSender(NullLogger.Instance, Patience);
        using var retries = new InvalidationRetryQueue([node.BaseAddress], sender, NullLogger.Instance,
            capacityPerNode: 10, firstBackoff: TimeSpan.FromMilliseconds(10), maxBackoff: TimeSpan.FromMilliseconds(10));
        using var confirmed = new BlockingCollection<string>();
        retries.Confirmed = (_, key) => confirmed.Add(key);
        await retries.StartAsync(CancellationToken.None);
        try
        {
            retries.Add(node.BaseAddress, "bad");
            retries.Add(node.BaseAddress, "good");

            Assert.True(confirmed.TryTake(out var key, Patience), "no key was ever confirmed");
            Assert.Equal("good", key);
            Assert.Equal(1, retries.PendingFor(node.BaseAddress)); // "bad" is still retried
        }
        finally
        {
            await retries.StopAsync(CancellationToken.None);
        }
    }
}
