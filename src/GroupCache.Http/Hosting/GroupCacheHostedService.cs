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
        string? lastFailure = null; // the failure logged last, until a set is taken
        try
        {
            await foreach (var peers in source.WatchAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    pool.SetPeers(peers);
                    lastFailure = null;
                }
                catch (Exception ex)
                {
                    // One set the pool cannot take must not end the watch, whatever it throws: the
                    // ring stays as it was and the next set may be good. A source that repeats
                    // the same bad set (every DNS poll, every watch event) is logged once.
                    string failure = ex.GetType().FullName + ": " + ex.Message;
                    if (failure != lastFailure)
                    {
                        lastFailure = failure;
                        LogRefusedPeerSet(source, ex);
                    }
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

    private void LogRefusedPeerSet(IPeerSource source, Exception ex)
    {
        if (ex is FormatException)
        {
            LogBadPeerSet(logger, source.GetType().Name, ex.Message);
        }
        else
        {
            LogPeerSetFailed(logger, source.GetType().Name, ex);
        }
    }

    [LoggerMessage(1102, LogLevel.Warning, "Peer source {Source} gave a peer set that is not a list of base URLs; the ring is unchanged: {Error}")]
    private static partial void LogBadPeerSet(ILogger logger, string source, string error);

    [LoggerMessage(1103, LogLevel.Error, "Peer source {Source} failed; the ring stays as it last was")]
    private static partial void LogSourceFailed(ILogger logger, string source, Exception exception);

    [LoggerMessage(1104, LogLevel.Error, "The pool could not take a peer set from peer source {Source}; the ring is unchanged and the watch goes on")]
    private static partial void LogPeerSetFailed(ILogger logger, string source, Exception exception);
}
