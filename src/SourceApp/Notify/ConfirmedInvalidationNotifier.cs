using Microsoft.Extensions.Logging;

namespace SourceApp.Notify;

/// <summary>
/// The default notifier with <c>-notify</c>: after each committed write, tells every listed cache node at
/// once to forget the key (<c>DELETE {node}/api/data/{key}</c>) and returns when all of them confirmed, or
/// when <c>-notify-timeout</c> passed. The nodes that did not confirm by then are returned (the answer
/// names them) and handed to the <see cref="InvalidationRetryQueue"/>, which keeps trying them.
/// </summary>
/// <remarks>
/// This is what gives read-your-writes through the cache for writes made at the source: once the write is
/// answered without unreached nodes, every node has dropped the key, and a read that starts after the
/// answer loads the new value. (A cache node's own DELETE also tells the rest of its ring, so one node
/// would do for the cluster; asking each listed node keeps the guarantee when one of them is down.)
/// </remarks>
public sealed class ConfirmedInvalidationNotifier : IWriteNotifier
{
    private readonly IReadOnlyList<Uri> _nodes;
    private readonly InvalidationSender _sender;
    private readonly InvalidationRetryQueue _retries;
    private readonly NotifyWarnings _warnings;
    private readonly TimeSpan _timeout;

    public ConfirmedInvalidationNotifier(IReadOnlyList<Uri> nodes, TimeSpan timeout, InvalidationSender sender, InvalidationRetryQueue retries, ILogger logger, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(nodes.Count);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _nodes = nodes.Distinct().ToArray();
        _timeout = timeout;
        _sender = sender;
        _retries = retries;
        _warnings = new NotifyWarnings(logger, time ?? TimeProvider.System);
    }

    public async ValueTask<IReadOnlyList<Uri>> KeyChangedAsync(string key)
    {
        var unreached = await SendAsync(key);
        foreach (var node in unreached)
        {
            _retries.Add(node, key);
        }

        if (unreached.Count > 0)
        {
            _warnings.Unreached(key, unreached);
        }

        return unreached;
    }

    /// <summary>Sent to every node as a change is, but not retried: the client sees who was unreached and may ask again.</summary>
    public ValueTask<IReadOnlyList<Uri>> KeyMayBeStaleAsync(string key) => SendAsync(key);

    private async ValueTask<IReadOnlyList<Uri>> SendAsync(string key)
    {
        bool[] confirmed;
        using (var deadline = new CancellationTokenSource(_timeout))
        {
            confirmed = await Task.WhenAll(_nodes.Select(node => _sender.TrySendAsync(node, key, deadline.Token)));
        }

        return [.. _nodes.Where((_, i) => !confirmed[i])];
    }
}
