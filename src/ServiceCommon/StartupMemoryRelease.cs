using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ServiceCommon;

/// <summary>
/// Once, a moment after the host started: one full, compacting collection in the collector's
/// aggressive mode, which hands the memory that start-up used and no longer needs back to the
/// operating system. Start-up (configuration, dependency injection, routing, OpenTelemetry)
/// allocates several megabytes that are garbage a second later, and with the young-generation
/// budget our launchers set (64 MiB) no collection comes to free it until traffic arrives: an idle
/// Native AOT node kept 18 MiB of anonymous memory where 12 suffice (docs/BENCHMARKS.md, 37.5 → 31.7 MiB
/// RSS). The price is one blocking collection of a heap of a few megabytes (about 10 ms) before the
/// node has much to do.
/// </summary>
public sealed partial class StartupMemoryRelease : BackgroundService
{
    /// <summary>How long after the host started: past the first health checks and membership rounds, whose garbage goes too.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(1);

    private const double BytesPerMiB = 1 << 20;

    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<StartupMemoryRelease> _logger;
    private readonly TimeSpan _delay;
    private readonly Action _collect;
    private readonly Func<long> _residentBytes;

    public StartupMemoryRelease(IHostApplicationLifetime lifetime, ILogger<StartupMemoryRelease> logger)
        : this(lifetime, logger, DefaultDelay, CollectAggressively, () => Environment.WorkingSet)
    {
    }

    internal StartupMemoryRelease(IHostApplicationLifetime lifetime, ILogger<StartupMemoryRelease> logger, TimeSpan delay, Action collect, Func<long> residentBytes)
    {
        _lifetime = lifetime ?? throw new ArgumentNullException(nameof(lifetime));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _delay = delay;
        _collect = collect;
        _residentBytes = residentBytes;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // ExecuteAsync starts with the hosted services, before the server listens.
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (_lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            }

            await Task.Delay(_delay, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return; // stopped before it was time: nothing to release for
        }

        long before = _residentBytes();
        long startedAt = TimeProvider.System.GetTimestamp();
        _collect();
        var took = TimeProvider.System.GetElapsedTime(startedAt);
        LogReleased(before / BytesPerMiB, _residentBytes() / BytesPerMiB, took.TotalMilliseconds);
    }

    private static void CollectAggressively() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    [LoggerMessage(300, LogLevel.Information, "Released start-up memory: resident {BeforeMiB:F1} MiB before, {AfterMiB:F1} MiB after one full collection ({Milliseconds:F1} ms)")]
    private partial void LogReleased(double beforeMiB, double afterMiB, double milliseconds);
}

public static class StartupMemoryReleaseExtensions
{
    /// <summary>Adds <see cref="StartupMemoryRelease"/>: one full collection a second after the host started.</summary>
    public static IServiceCollection AddStartupMemoryRelease(this IServiceCollection services) =>
        services.AddHostedService<StartupMemoryRelease>();
}
