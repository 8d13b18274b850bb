using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceCommon.Tests;

public class StartupMemoryReleaseTests
{
    [Fact]
    public async Task HostStarted_CollectsOnceAfterTheDelay_AndLogsResidentMemoryBeforeAndAfter()
    {
        var lifetime = new Lifetime();
        var logger = new ListLogger();
        int collections = 0;
        var resident = new Queue<long>([40L << 20, 31_457_280]); // 40 and 30 MiB
        using var release = new StartupMemoryRelease(lifetime, logger, TimeSpan.FromMilliseconds(50), () => collections++, resident.Dequeue);

        await release.StartAsync(CancellationToken.None);
        await Task.Delay(200);
        Assert.Equal(0, collections); // the host has not started yet

        lifetime.Started.Cancel();
        await release.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, collections);
        var line = Assert.Single(logger.Lines);
        Assert.StartsWith("Released start-up memory: resident 40.0 MiB before, 30.0 MiB after one full collection (", line, StringComparison.Ordinal);
        await release.StopAsync(CancellationToken.None);
        Assert.Equal(1, collections);
    }

    [Fact]
    public async Task StoppedBeforeItsTime_DoesNotCollect_AndEndsQuietly()
    {
        var lifetime = new Lifetime();
        var logger = new ListLogger();
        int collections = 0;
        using var release = new StartupMemoryRelease(lifetime, logger, TimeSpan.FromHours(1), () => collections++, () => 1);

        await release.StartAsync(CancellationToken.None);
        lifetime.Started.Cancel();
        await Task.Delay(200); // into the hour's wait
        await release.StopAsync(CancellationToken.None);

        Assert.True(release.ExecuteTask!.IsCompleted);
        Assert.False(release.ExecuteTask.IsFaulted, release.ExecuteTask.Exception?.ToString());
        Assert.Equal(0, collections);
        Assert.Empty(logger.Lines);
    }

    [Fact]
    public async Task StoppedBeforeTheHostStarted_DoesNotCollect()
    {
        var lifetime = new Lifetime();
        int collections = 0;
        using var release = new StartupMemoryRelease(lifetime, new ListLogger(), TimeSpan.Zero, () => collections++, () => 1);

        await release.StartAsync(CancellationToken.None);
        await lifetime.Watched.Task.WaitAsync(TimeSpan.FromSeconds(10)); // it waits for the start
        await release.StopAsync(CancellationToken.None);
        lifetime.Started.Cancel(); // too late

        Assert.True(release.ExecuteTask!.IsCompleted);
        Assert.False(release.ExecuteTask.IsFaulted, release.ExecuteTask.Exception?.ToString());
        Assert.Equal(0, collections);
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationTokenSource Started { get; } = new();

        public TaskCompletionSource Watched { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken ApplicationStarted
        {
            get
            {
                Watched.TrySetResult();
                return Started.Token;
            }
        }

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }

    private sealed class ListLogger : ILogger<StartupMemoryRelease>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
