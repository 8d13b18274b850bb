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

    [Fact]
    public async Task GetAsync_ManyLargeBodiesBeyondTheBudget_AreRefusedWithoutAllocatingThem()
    {
        const int Announced = 32 * MiB;
        const int Fetches = 32;
        byte[] head = System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: {Announced}\r\n\r\n");
        await using var peer = ScriptedPeer.Start(async exchange =>
        {
            await exchange.SendAsync(head); // and never the body: a refused fetch does not read it
            exchange.Close();
            return false;
        });
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions
        {
            PeerTimeout = TimeSpan.FromSeconds(60),
            MaxBodyBytesInFlight = 1 * MiB, // under the value limit (64 MiB), and no room for any of the bodies
        });
        var client = pool.ClientFor(peer.Url);
        await HostilePeerTests.FetchAsync(client, "warm-up");
        long before = GC.GetTotalAllocatedBytes(precise: true);

        var results = await Task.WhenAll(Enumerable.Range(0, Fetches).Select(i => HostilePeerTests.FetchAsync(client, "k" + i)));

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.All(results, r => Assert.Contains("budget", Assert.IsType<HttpRequestException>(r.Error).Message, StringComparison.Ordinal));

        // Allocating each body before refusing it took Fetches * 32 MiB (1 GiB); the fetches
        // themselves take well under a megabyte.
        Assert.True(allocated < 16 * MiB, $"{Fetches} refused fetches allocated {allocated / MiB} MiB");
        Assert.Equal(0, pool.BodyBytesInFlight);
    }

    [Fact]
    public void TryRent_Refused_AllocatesNothingAndTakesNoRoom()
    {
        var budget = new PeerBodyBudget(1 * MiB);
        Assert.Null(budget.TryRent(2 * MiB)); // the first call's own costs are not measured
        long before = GC.GetAllocatedBytesForCurrentThread();

        for (int i = 0; i < 100; i++)
        {
            Assert.Null(budget.TryRent(2 * MiB));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public void TryRent_CountsTheBufferItHandsOut()
    {
        var budget = new PeerBodyBudget(1 * MiB);

        byte[] pooled = budget.TryRent(600_000)!;
        Assert.Equal(pooled.Length, budget.InUse);
        Assert.Null(budget.TryRent(600_000)); // the pool's buffer is 1 MiB: the budget is full
        budget.Return(pooled);
        Assert.Equal(0, budget.InUse);

        var large = new PeerBodyBudget(4 * MiB);
        byte[] unpooled = large.TryRent(3 * MiB)!;
        Assert.Equal(3 * MiB, large.InUse);
        Assert.Null(large.TryRent(MiB + 1));
        large.Return(unpooled);
        Assert.Equal(0, large.InUse);
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
