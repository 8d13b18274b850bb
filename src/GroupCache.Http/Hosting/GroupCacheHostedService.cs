using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GroupCache.Http;

/// <summary>
/// Creates the groups when the host starts (so that a bad getter registration fails then, not at
/// the first request) and feeds the peer source's sets to the pool until the host stops. The pool
/// itself, and with it every peer connection, is disposed with the container.
/// </summary>
internal sealed partial class GroupCacheHostedService(IServiceProvider services, ILogger<GroupCacheHostedService> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _watching = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<GroupRegistry>();
        if (services.GetService<IPeerSource>() is { } source)
        {
            _watching = WatchAsync(source, services.GetRequiredService<HttpPool>(), _stopping.Token);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _watching.WaitAsync(cancellationToken).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task WatchAsync(IPeerSource source, HttpPool pool, CancellationToken stopping)
    {
        await Task.Yield(); // the host's start does not wait for the source's first set
        try
        {
            await foreach (var peers in source.WatchAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    pool.SetPeers(peers);
                }
                catch (FormatException ex)
                {
                    // One bad set from a source must not end the watch; the ring stays as it was.
                    LogBadPeerSet(logger, source.GetType().Name, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping.
        }
        catch (Exception ex)
        {
            LogSourceFailed(logger, source.GetType().Name, ex);
        }
    }

    [LoggerMessage(1102, LogLevel.Warning, "Peer source {Source} gave a peer set that is not a list of base URLs; the ring is unchanged: {Error}")]
    private static partial void LogBadPeerSet(ILogger logger, string source, string error);

    [LoggerMessage(1103, LogLevel.Error, "Peer source {Source} failed; the ring stays as it last was")]
    private static partial void LogSourceFailed(ILogger logger, string source, Exception exception);
}
