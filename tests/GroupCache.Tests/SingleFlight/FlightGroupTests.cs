using GroupCache.SingleFlight;

namespace GroupCache.Tests.SingleFlight;

public class FlightGroupTests
{
    [Fact]
    public async Task DoAsync_SingleCall_ReturnsTheResult()
    {
        var flights = new FlightGroup<string>();

        string result = await flights.DoAsync("key", () => Task.FromResult("bar"));

        Assert.Equal("bar", result);
        Assert.Equal(0, flights.InFlight);
    }

    [Fact]
    public async Task DoAsync_HundredConcurrentCallers_RunTheWorkOnce()
    {
        var flights = new FlightGroup<int>();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        int runs = 0;
        int sharedCount = 0;

        var callers = Enumerable.Range(0, 100).Select(_ =>
        {
            var task = flights.DoAsync("key", () =>
            {
                Interlocked.Increment(ref runs);
                return gate.Task;
            }, out bool shared);
            if (shared)
            {
                Interlocked.Increment(ref sharedCount);
            }

            return task;
        }).ToArray();

        Assert.Equal(1, flights.InFlight);
        gate.SetResult(42);
        int[] results = await Task.WhenAll(callers);

        Assert.Equal(1, runs);
        Assert.Equal(99, sharedCount);
        Assert.All(results, r => Assert.Equal(42, r));
        Assert.Equal(0, flights.InFlight);
    }

    [Fact]
    public async Task DoAsync_WorkThrows_EveryCallerGetsTheException()
    {
        var flights = new FlightGroup<int>();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = flights.DoAsync("key", () => gate.Task);
        var second = flights.DoAsync("key", () => Task.FromResult(0));

        gate.SetException(new InvalidOperationException("boom"));

        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => first)).Message);
        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => second)).Message);
        Assert.Equal(0, flights.InFlight);
    }

    [Fact]
    public async Task DoAsync_AfterCompletion_RunsTheWorkAgain()
    {
        var flights = new FlightGroup<int>();
        int runs = 0;

        await flights.DoAsync("key", () => Task.FromResult(Interlocked.Increment(ref runs)));
        int second = await flights.DoAsync("key", () => Task.FromResult(Interlocked.Increment(ref runs)));

        Assert.Equal(2, second);
    }

    [Fact]
    public async Task DoAsync_OneCallerCancels_OthersStillGetTheResult()
    {
        var flights = new FlightGroup<string>();
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var impatient = flights.DoAsync("key", () => gate.Task, cts.Token);
        var patient = flights.DoAsync("key", () => Task.FromResult("never runs"));

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        Assert.Equal(1, flights.InFlight);
        gate.SetResult("done");

        Assert.Equal("done", await patient);
    }

    [Fact]
    public async Task DoAsync_DifferentKeys_RunIndependently()
    {
        var flights = new FlightGroup<string>();
        var gateA = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var a = flights.DoAsync("a", () => gateA.Task);
        string b = await flights.DoAsync("b", () => Task.FromResult("b"));

        Assert.Equal("b", b);
        Assert.False(a.IsCompleted);
        gateA.SetResult("a");
        Assert.Equal("a", await a);
    }

    [Fact]
    public async Task Forget_LetsTheNextCallerStartAfresh()
    {
        var flights = new FlightGroup<string>();
        var old = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = flights.DoAsync("key", () => old.Task);

        Assert.True(flights.Forget("key"));
        string fresh = await flights.DoAsync("key", () => Task.FromResult("new"));
        old.SetResult("old");

        Assert.Equal("new", fresh);
        Assert.Equal("old", await first);
        Assert.Equal(0, flights.InFlight);
    }

    [Fact]
    public async Task DoAsync_LastCallerCancels_WorkTokenCancelledAndKeyForgotten()
    {
        var flights = new FlightGroup<string>();
        var seen = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var a = flights.DoAsync("key", async token =>
        {
            seen.SetResult(token);
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        }, first.Token);
        var b = flights.DoAsync("key", _ => Task.FromResult("never runs"), second.Token);
        var workToken = await seen.Task.WaitAsync(TimeSpan.FromSeconds(5));

        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        Assert.False(workToken.IsCancellationRequested); // b still waits
        Assert.Equal(1, flights.InFlight);

        await second.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
        Assert.True(workToken.IsCancellationRequested);
        Assert.Equal(0, flights.InFlight);
        Assert.Equal("fresh", await flights.DoAsync("key", _ => Task.FromResult("fresh")).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task DoAsync_WorkIgnoresItsToken_NextCallerStartsAfreshOnceNobodyWaits()
    {
        var flights = new FlightGroup<string>();
        var stuck = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var abandoned = flights.DoAsync("key", _ => stuck.Task, cts.Token);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        Assert.Equal("fresh", await flights.DoAsync("key", _ => Task.FromResult("fresh")).WaitAsync(TimeSpan.FromSeconds(5)));
        stuck.SetResult("late");
        Assert.Equal(0, flights.InFlight);
    }

    [Fact]
    public async Task DoAsync_ACallerWithoutToken_KeepsTheWorkRunningWhenOthersCancel()
    {
        var flights = new FlightGroup<string>();
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken workToken = default;
        using var cts = new CancellationTokenSource();
        var impatient = flights.DoAsync("key", token =>
        {
            workToken = token;
            return gate.Task;
        }, cts.Token);
        var patient = flights.DoAsync("key", _ => Task.FromResult("never runs"));

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        Assert.True(workToken.CanBeCanceled);
        Assert.False(workToken.IsCancellationRequested);
        gate.SetResult("done");

        Assert.Equal("done", await patient);
    }
}
