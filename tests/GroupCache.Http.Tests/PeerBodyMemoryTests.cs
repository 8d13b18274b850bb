using System.Diagnostics;
using GroupCache.Http.Tests.Support;

namespace GroupCache.Http.Tests;

/// <summary>
/// Memory for peer bodies: in flight it stays within the pool's budget, and once a fetch ends it is
/// given back, even for huge bodies a peer cut short.
/// </summary>
[Collection(nameof(ProcessMeasurementCollection))]
public sealed class PeerBodyMemoryTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task GetAsync_ManyHugeBodiesCutShort_GiveTheirMemoryBack()
    {
        const int Size = 60 * MiB;
        byte[] payload = new byte[Size];
        byte[] head = System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: {Size}\r\n\r\n");
        await using var peer = ScriptedPeer.Start(async exchange =>
        {
            await exchange.SendAsync(head);
            await exchange.SendAsync(payload.AsMemory(0, Size - 1)); // one byte short, then the end
            exchange.Close();
            return false;
        });
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions
        {
            PeerTimeout = TimeSpan.FromSeconds(120),
            MaxBodyBytesInFlight = 16L * 61 * MiB, // room for all: this measures what is kept afterwards
        });
        var client = pool.ClientFor(peer.Url);
        long before = HeapAfterFullCollection();

        for (int round = 0; round < 2; round++)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => HostilePeerTests.FetchAsync(client, $"r{round}-k{i}")));
            Assert.All(results, r => Assert.Null(r.Value));
        }

        long grown = HeapAfterFullCollection() - before;
        GC.KeepAlive(payload);
        Assert.True(grown < 64 * MiB, $"the heap grew by {grown / MiB} MiB after 32 fetches of 60 MiB bodies");
        Assert.Equal(0, pool.BodyBytesInFlight);
    }

    [Fact]
    public async Task GetAsync_BodyBeyondTheBudget_FailsWithoutWaitingAndTheBudgetIsGivenBack()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = ScriptedPeer.Start(async exchange =>
        {
            byte[] answer = HostilePeerTests.Answer(BigValueOf(exchange.Key));
            if (exchange.Key == "slow")
            {
                await exchange.SendAsync(answer.AsMemory(0, answer.Length / 2));
                await gate.Task;
                await exchange.SendAsync(answer.AsMemory(answer.Length / 2));
            }
            else
            {
                await exchange.SendAsync(answer);
            }

            return true;
        });
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions
        {
            PeerTimeout = TimeSpan.FromSeconds(60),
            MaxBodyBytesInFlight = 1 * MiB,
        });
        var client = pool.ClientFor(peer.Url);

        var slow = HostilePeerTests.FetchAsync(client, "slow");
        await PollAsync(() => pool.BodyBytesInFlight > 0);
        var watch = Stopwatch.StartNew();
        var (refused, error) = await HostilePeerTests.FetchAsync(client, "refused");
        var waited = watch.Elapsed;
        gate.SetResult();

        Assert.Null(refused);
        Assert.IsType<HttpRequestException>(error);
        Assert.True(waited < TimeSpan.FromSeconds(20), $"the refused fetch waited {waited.TotalSeconds:F1} s");
        Assert.Equal(BigValueOf("slow"), (await slow).Value);
        Assert.Equal(BigValueOf("later"), (await HostilePeerTests.FetchAsync(client, "later")).Value);
        Assert.Equal(0, pool.BodyBytesInFlight);
    }

    private static string BigValueOf(string key) => HostilePeerTests.ValueOf(key) + new string('x', 600_000);

    private static long HeapAfterFullCollection()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private static async Task PollAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the condition did not hold within 20 s");
            await Task.Delay(10);
        }
    }
}
