using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Threading.Channels;
using GroupCache.Http;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using ApiClient = k8s.Kubernetes;

namespace GroupCache.Kubernetes;

/// <summary>
/// The ring from a Service's EndpointSlices: a list, then a watch from the list's resource version;
/// a watch that ends or answers 410 Gone is followed by a fresh list. A failed list or watch keeps
/// the last good ring, is logged once per outage, counted, and retried with a growing backoff; while
/// watches keep failing, lists that work back off too, and the outage lasts until a watch works.
/// A list or event that makes this node a ready endpoint again, after one that left it out, raises
/// <see cref="SelfRelisted"/> before the set is handed on.
/// </summary>
internal sealed partial class KubernetesPeerSource : IPeerSource, IDiscoveryStatus, ISelfRelistingSource
{
    private const string Mode = "kubernetes";
    private static readonly TimeSpan MaxWatchGrace = TimeSpan.FromSeconds(30);
    private readonly KubernetesDiscoveryOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _self;
    private readonly Lock _statusLock = new();
    private readonly SelfListing _selfListing = new();
    private DiscoverySnapshot _snapshot;
    private bool _inOutage;
    private int _outageFailures;

    public KubernetesPeerSource(KubernetesDiscoveryOptions options, ILogger<KubernetesPeerSource> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            throw new ArgumentException("Kubernetes discovery needs the Service's name (ServiceName).", nameof(options));
        }

        if (!PeerAddress.TryNormalize(options.Self, out string self, out string? error))
        {
            throw new ArgumentException($"Kubernetes discovery needs this node's base URL (Self): {error}", nameof(options));
        }

        if ((string.IsNullOrWhiteSpace(options.PortName) && options.PortNumber is not (> 0 and <= 65535)) || options.Scheme is not ("http" or "https") || options.MaxPeers < 1
            || options.MinBackoff <= TimeSpan.Zero || options.MaxBackoff < options.MinBackoff || options.WatchTimeout < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("Kubernetes discovery needs a port name (or, without one, a port number), an http(s) scheme, MaxPeers of at least 1, a positive MinBackoff not above MaxBackoff, and a WatchTimeout of at least 1s.", nameof(options));
        }

        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _self = self;
        Namespace = ResolveNamespace(options);
        _snapshot = new DiscoverySnapshot(Mode, null, null, null, 0, 0, [self]);
    }

    /// <summary>The namespace watched: the option, or the pod's own.</summary>
    public string Namespace { get; }

    public DiscoverySnapshot Snapshot => Volatile.Read(ref _snapshot);

    public event EventHandler? SelfRelisted;

    private string LabelSelector => $"kubernetes.io/service-name={_options.ServiceName}";

    public async IAsyncEnumerable<IReadOnlyCollection<string>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The loop keeps only the newest set for the reader: a slow reader skips sets, never falls behind.
        var sets = Channel.CreateBounded<IReadOnlyList<string>>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loop = RunAsync(sets.Writer, stop.Token);
        try
        {
            await foreach (var set in sets.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return set;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunAsync(ChannelWriter<IReadOnlyList<string>> sets, CancellationToken stopping)
    {
        await Task.Yield();
        var portChoice = new PortChoice(string.IsNullOrWhiteSpace(_options.PortName) ? null : _options.PortName, _options.PortNumber);
        var ring = new EndpointSliceRing(_self, portChoice, _options.Scheme, _options.MaxPeers);
        IReadOnlyList<string> published = [_self];
        int truncatedLogged = 0;

        // Said once each while it lasts, not at every list or watch event: a Service that has no
        // slices, and slices whose port is found by number only, or not at all.
        bool noSlicesLogged = false;
        bool portByNumberLogged = false;
        bool portNotFoundLogged = false;

        // The node is on its own ring before the API lists it (or when the API cannot be reached).
        sets.TryWrite(published);
        ApiClient? client = null;
        int failuresInRow = 0;

        // Watches in a row that did not work although the list before each did: RBAC that grants
        // list but not watch, or a proxy that breaks streams. The lists keep the ring, but they
        // back off as after any failure, and they do not end the outage: a watch that works does.
        int watchFailuresInRow = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    client ??= new ApiClient(_options.ClientConfiguration());
                    var list = await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(Namespace, labelSelector: LabelSelector, cancellationToken: stopping).ConfigureAwait(false);
                    ring.Reset(list.Items ?? []);
                    Publish(ring);
                    RecordSuccess(endsOutage: watchFailuresInRow == 0);
                    failuresInRow = 0;
                    var watch = await WatchAsync(client, list.Metadata?.ResourceVersion, ring, Publish, stopping).ConfigureAwait(false);
                    if (!watch.Worked)
                    {
                        // Refused, or ended or cut at once with nothing in it: this must not turn
                        // into a list-watch loop against the API server.
                        watchFailuresInRow++;
                        if (watch.Failure is not null)
                        {
                            RecordFailure(watch.Failure);
                        }

                        await Task.Delay(Backoff(watchFailuresInRow), _time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        continue;
                    }

                    watchFailuresInRow = 0;
                    if (watch.Failure is not null)
                    {
                        // A watch that worked and then broke: a failure like a failed list.
                        ExceptionDispatchInfo.Throw(watch.Failure);
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    RecordFailure(ex);
                    failuresInRow++;

                    // With the list in doubt too, the next one that works ends the outage again.
                    watchFailuresInRow = 0;
                    await Task.Delay(Backoff(failuresInRow), _time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
        finally
        {
            client?.Dispose();
            sets.TryComplete();
        }

        void Publish(EndpointSliceRing current)
        {
            var peers = current.Peers();

            // Said when the number left out changes, not at every watch event while it lasts.
            if (current.Truncated != truncatedLogged)
            {
                if (current.Truncated > 0)
                {
                    LogTruncated(_logger, current.Truncated, _options.MaxPeers);
                }

                truncatedLogged = current.Truncated;
            }

            if (Once(ref noSlicesLogged, current.SliceCount == 0))
            {
                LogNoSlices(_logger, _options.ServiceName!, Namespace);
            }

            if (Once(ref portByNumberLogged, current.PortByNumber is not null))
            {
                var m = current.PortByNumber!;
                LogPortByNumber(_logger, string.Join(", ", m.Slices), _options.ServiceName!, portChoice.Name!, m.Ports, m.Endpoints, portChoice.Number!.Value);
            }

            if (Once(ref portNotFoundLogged, current.PortNotFound is not null))
            {
                var m = current.PortNotFound!;
                LogPortNotFound(_logger, string.Join(", ", m.Slices), _options.ServiceName!, portChoice.Wanted, m.Ports, m.Endpoints);
            }

            // Before the set is handed on, so that a listener empties stale caches first.
            if (_selfListing.Observe(current.ListsSelf))
            {
                LogSelfRelisted(_logger, _self);
                if (SelfListing.Raise(SelfRelisted, this) is { } failure)
                {
                    LogSelfRelistedHandlerFailed(_logger, failure);
                }
            }

            if (!peers.SequenceEqual(published, StringComparer.Ordinal))
            {
                published = peers;
                sets.TryWrite(peers);
                LogRing(_logger, peers.Count, string.Join(", ", peers));
            }

            // An answer without slices, or without the port in any of them, lists nobody: a wrong
            // name, namespace or port name, which the ring of this node alone must not hide.
            string? emptyAnswer = current.SliceCount == 0
                ? $"service {_options.ServiceName} in {Namespace} has no EndpointSlices"
                : current.PortNotFound is not null && peers.Count <= 1
                    ? $"no EndpointSlice of service {_options.ServiceName} has port {portChoice.Wanted}"
                    : null;
            lock (_statusLock)
            {
                _snapshot = _snapshot with { Peers = peers, EmptyAnswer = emptyAnswer };
            }
        }
    }

    /// <summary>
    /// Applies watch events until the server ends the watch (list afresh), the resource version
    /// has expired (410 Gone: list afresh at once) or something fails.
    /// </summary>
    /// <returns>
    /// Whether the watch worked (open for <see cref="KubernetesDiscoveryOptions.MinBackoff"/> and at
    /// least <see cref="StayedOpenAfter"/> before it ended cleanly or with 410 Gone; or, when it
    /// failed, it had delivered an event or stayed open that long, and was not refused), and its
    /// failure, if it failed.
    /// </returns>
    /// <summary>The least time a quiet watch must stay open to count as working (the watch loop below).</summary>
    internal static readonly TimeSpan StayedOpenAfter = TimeSpan.FromSeconds(2);

    private async Task<WatchEnd> WatchAsync(ApiClient client, string? resourceVersion, EndpointSliceRing ring, Action<EndpointSliceRing> publish, CancellationToken stopping)
    {
        // The client reports an ERROR event (a Status) through onError and reads on; the API server
        // ends the stream after one, and so does this watch, at once.
        Exception? streamError = null;

        // The server ends a watch after timeoutSeconds; a connection that died without a word would
        // not, so the watch is also given up a little later on this side (and the source lists afresh).
        var grace = _options.WatchTimeout / 2 < MaxWatchGrace ? _options.WatchTimeout / 2 : MaxWatchGrace;
        using var deadline = new CancellationTokenSource(_options.WatchTimeout + grace, _time);
        using var watchEnded = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);
        void OnError(Exception ex)
        {
            streamError ??= ex;
            watchEnded.Cancel();
        }

        bool delivered = false;
        bool stayedOpen = false;
        var openFor = _options.MinBackoff > StayedOpenAfter ? _options.MinBackoff : StayedOpenAfter;
        long started = _time.GetTimestamp();

        // A watch that ended cleanly or with 410 Gone is followed by a list at once, which is right
        // after a watch that lasted; one that ends that way at once, every time (a proxy that closes
        // each stream after its first line, a server that expires every version), must back off
        // instead of listing in a tight loop.
        bool Lasted() => stayedOpen || _time.GetElapsedTime(started) >= openFor;
        try
        {
            var events = client.DiscoveryV1.WatchListNamespacedEndpointSliceAsync(
                Namespace,
                allowWatchBookmarks: true,
                labelSelector: LabelSelector,
                resourceVersion: resourceVersion,
                timeoutSeconds: (int)Math.Ceiling(_options.WatchTimeout.TotalSeconds),
                onError: OnError,
                cancellationToken: watchEnded.Token);
            var enumerator = events.GetAsyncEnumerator(watchEnded.Token);
            await using var disposeEnumerator = enumerator.ConfigureAwait(false);

            // The client completes the first MoveNextAsync only with the watch's first line, which
            // a quiet watch may not send for minutes; a refused one fails as soon as the answer
            // comes. A watch still open after MinBackoff, and at least StayedOpenAfter (a refusal
            // from a slow server or a cold client can take longer than a short MinBackoff), works,
            // and ends an outage then.
            var first = enumerator.MoveNextAsync().AsTask();
            using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(watchEnded.Token))
            {
                var wait = Task.Delay(openFor, _time, waiting.Token);
                if (await Task.WhenAny(first, wait).ConfigureAwait(false) == wait && wait.IsCompletedSuccessfully)
                {
                    stayedOpen = true;
                    EndOutage();
                }

                await waiting.CancelAsync().ConfigureAwait(false);
            }

            for (bool more = await first.ConfigureAwait(false); more; more = await enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                delivered = true;
                var (type, slice) = enumerator.Current;
                switch (type)
                {
                    case WatchEventType.Added or WatchEventType.Modified:
                        ring.Upsert(slice);
                        break;
                    case WatchEventType.Deleted:
                        ring.Remove(slice);
                        break;
                    default:
                        // Bookmarks move the resource version only (a watch is never resumed here),
                        // but they show that the watch works.
                        EndOutage();
                        continue;
                }

                publish(ring);
                RecordSuccess();
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested && (streamError is not null || deadline.IsCancellationRequested))
        {
            // An ERROR event (reported below) or the deadline (a watch that ended).
        }
        catch (JsonException) when (!delivered && streamError is null)
        {
            // The client reads a watch's first line before it hands out the stream, and fails so
            // when the server ends the watch with no line at all (its timeout, with no bookmark).
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested && streamError is null)
        {
            // Refused (an HttpOperationException with the API server's answer: never a watch that
            // worked, however late it came) or cut.
            return new WatchEnd(delivered || (stayedOpen && ex is not HttpOperationException), ex);
        }

        switch (streamError)
        {
            case null:
                LogWatchEnded(_logger);
                return new WatchEnd(Lasted(), null);
            case KubernetesException { Status.Code: (int)HttpStatusCode.Gone }:
                LogExpired(_logger, resourceVersion ?? "");
                return new WatchEnd(Lasted(), null);
            default:
                return new WatchEnd(delivered || stayedOpen, new KubernetesDiscoveryException($"the watch of EndpointSlices failed: {streamError.Message}", streamError));
        }
    }

    /// <summary>True when <paramref name="now"/> starts to hold (say it once); false while it goes on, and after it ends (which re-arms it).</summary>
    private static bool Once(ref bool said, bool now)
    {
        bool start = now && !said;
        said = now;
        return start;
    }

    private TimeSpan Backoff(int failuresInRow)
    {
        double factor = Math.Pow(2, Math.Min(failuresInRow - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.MinBackoff.Ticks * factor, _options.MaxBackoff.Ticks));

        // Up to a fifth more, so that a Deployment's pods do not retry the API server in step.
        return delay + TimeSpan.FromTicks((long)(delay.Ticks * 0.2 * Random.Shared.NextDouble()));
    }

    /// <summary>Counts a refresh of the ring; <paramref name="endsOutage"/> false while watches keep failing.</summary>
    private void RecordSuccess(bool endsOutage = true)
    {
        var now = _time.GetUtcNow();
        lock (_statusLock)
        {
            _snapshot = _snapshot with { LastRefresh = now, Refreshes = _snapshot.Refreshes + 1 };
        }

        if (endsOutage)
        {
            EndOutage();
        }
    }

    private void EndOutage()
    {
        lock (_statusLock)
        {
            _snapshot = _snapshot with { LastError = null, LastErrorAt = null };
        }

        if (_inOutage)
        {
            LogRecovered(_logger, _outageFailures);
            _inOutage = false;
            _outageFailures = 0;
        }
    }

    private void RecordFailure(Exception ex)
    {
        string message = Describe(ex);
        var now = _time.GetUtcNow();
        lock (_statusLock)
        {
            _snapshot = _snapshot with { LastError = message, LastErrorAt = now, Failures = _snapshot.Failures + 1 };
        }

        _outageFailures++;
        if (_inOutage)
        {
            LogStillFailing(_logger, message);
            return;
        }

        _inOutage = true;
        LogOutage(_logger, _options.ServiceName!, Namespace, message, ex);
    }

    /// <summary>How a watch ended: whether it worked before it ended, and what failed, if anything.</summary>
    private readonly record struct WatchEnd(bool Worked, Exception? Failure);

    private static string Describe(Exception ex) => ex switch
    {
        HttpOperationException http => $"the API server answered {(int)http.Response.StatusCode} {http.Response.ReasonPhrase}: {Shorten(http.Response.Content)}",
        _ => ex.Message,
    };

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 300 ? text : text[..300] + "...";

    private static string ResolveNamespace(KubernetesDiscoveryOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Namespace))
        {
            return options.Namespace.Trim();
        }

        try
        {
            string text = File.ReadAllText(options.NamespaceFile).Trim();
            if (text.Length > 0)
            {
                return text;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidOperationException($"Kubernetes discovery has no namespace: none was given and {options.NamespaceFile} cannot be read ({ex.Message}).", ex);
        }

        throw new InvalidOperationException($"Kubernetes discovery has no namespace: none was given and {options.NamespaceFile} is empty.");
    }

    [LoggerMessage(1301, LogLevel.Warning, "Kubernetes discovery of service {Service} in {Namespace} failed; the ring stays as it last was and the watch retries with backoff: {Error}")]
    private static partial void LogOutage(ILogger logger, string service, string @namespace, string error, Exception exception);

    [LoggerMessage(1302, LogLevel.Debug, "Kubernetes discovery still failing: {Error}")]
    private static partial void LogStillFailing(ILogger logger, string error);

    [LoggerMessage(1303, LogLevel.Information, "Kubernetes discovery recovered after {Failures} failed attempts")]
    private static partial void LogRecovered(ILogger logger, int failures);

    [LoggerMessage(1304, LogLevel.Information, "Kubernetes discovery: the ring has {Count} peers: {Peers}")]
    private static partial void LogRing(ILogger logger, int count, string peers);

    [LoggerMessage(1305, LogLevel.Debug, "Kubernetes discovery: the watch ended; listing afresh")]
    private static partial void LogWatchEnded(ILogger logger);

    [LoggerMessage(1306, LogLevel.Information, "Kubernetes discovery: resource version {ResourceVersion} expired (410 Gone); listing afresh")]
    private static partial void LogExpired(ILogger logger, string resourceVersion);

    [LoggerMessage(1307, LogLevel.Warning, "Kubernetes discovery: {Count} endpoints left out of the ring, which takes at most {MaxPeers} peers; the nodes' rings now differ, and removals miss the nodes left out")]
    private static partial void LogTruncated(ILogger logger, int count, int maxPeers);

    [LoggerMessage(1308, LogLevel.Information, "Kubernetes discovery lists this node ({Self}) as a ready endpoint again after a while without it")]
    private static partial void LogSelfRelisted(ILogger logger, string self);

    [LoggerMessage(1309, LogLevel.Error, "A handler of SelfRelisted failed; Kubernetes discovery goes on")]
    private static partial void LogSelfRelistedHandlerFailed(ILogger logger, Exception exception);

    // A Service with a selector always has a slice, if only the empty placeholder: none at all is a
    // wrong name or namespace, or a Service without a selector whose slices lack the label.
    [LoggerMessage(1310, LogLevel.Warning, "Kubernetes discovery: service {Service} in {Namespace} has no EndpointSlices (none labelled kubernetes.io/service-name={Service}); the ring is this node alone. Is the Service's name or namespace wrong?")]
    private static partial void LogNoSlices(ILogger logger, string service, string @namespace);

    [LoggerMessage(1311, LogLevel.Warning, "Kubernetes discovery: EndpointSlices {Slices} of service {Service} have no port named '{PortName}' (they have {Ports}); their {Count} ready endpoints are taken on port {PortNumber}, found by number. Name the Service's port '{PortName}', or configure the name it has")]
    private static partial void LogPortByNumber(ILogger logger, string slices, string service, string portName, string ports, int count, int portNumber);

    [LoggerMessage(1312, LogLevel.Warning, "Kubernetes discovery: EndpointSlices {Slices} of service {Service} have no port {Wanted} (they have {Ports}); their {Count} ready endpoints are left out of the ring. Is the port name wrong?")]
    private static partial void LogPortNotFound(ILogger logger, string slices, string service, string wanted, string ports, int count);
}
