using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GroupCache.Kubernetes.Tests;

/// <summary>
/// The part of a Kubernetes API server that EndpointSlice discovery uses, on 127.0.0.1 and a free
/// port: <c>GET /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices</c> with a label
/// selector, as a list (with the collection's resource version) or, with <c>watch=true</c>, as a
/// stream of newline-delimited watch events from a given resource version. Like the real server it
/// keeps an event history, answers a watch from a compacted version with an ERROR event (Status
/// 410 Expired) and ends the stream after it, and starts a watch without a version with ADDED
/// events for what exists.
/// </summary>
internal sealed class StubKubernetesApi : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Namespace, string Name), V1EndpointSlice> _slices = [];
    private readonly List<(long Version, string Type, V1EndpointSlice Slice)> _history = [];
    private readonly List<OpenWatch> _watches = [];
    private readonly WebApplication _app;
    private long _version = 1000;
    private long _compactedBelow;
    private int _lists;
    private int _watchRequests;
    private bool _down;
    private bool _watchForbidden;
    private bool _forbidden;
    private bool _watchesExpireAtOnce;

    private StubKubernetesApi(WebApplication app)
    {
        _app = app;
    }

    public string Url { get; private set; } = "";

    public int Lists => Volatile.Read(ref _lists);

    public int WatchRequests => Volatile.Read(ref _watchRequests);

    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    /// <summary>Every query string the server got, in order, for assertions on what the client asked.</summary>
    public List<string> Queries { get; } = [];

    /// <summary>Every Authorization header the server got, in order.</summary>
    public List<string> Authorizations { get; } = [];

    public static async Task<StubKubernetesApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stub = new StubKubernetesApi(app);
        app.MapGet("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices", (HttpContext context, string ns) => stub.HandleAsync(context, ns));
        await app.StartAsync();
        stub.Url = app.Urls.Single();
        return stub;
    }

    /// <summary>The client configuration that points at this server (plain HTTP, no credentials).</summary>
    public KubernetesClientConfiguration Configuration() => new() { Host = Url };

    /// <summary>A kubeconfig for a node run as a process (plain HTTP, a bearer token), written to <paramref name="path"/>.</summary>
    public void WriteKubeconfig(string path) => File.WriteAllText(path, $"""
        apiVersion: v1
        kind: Config
        clusters:
          - name: stub
            cluster:
              server: {Url}
        users:
          - name: node
            user:
              token: test-token
        contexts:
          - name: stub
            context:
              cluster: stub
              user: node
        current-context: stub
        """);

    /// <summary>While down, every request answers 503 and open watches are cut.</summary>
    public void SetDown(bool down)
    {
        List<OpenWatch> cut;
        lock (_gate)
        {
            _down = down;
            cut = down ? [.. _watches] : [];
        }

        foreach (var watch in cut)
        {
            watch.Abort();
        }
    }

    /// <summary>
    /// While set, every watch is answered with an ERROR event (Status 410 Expired) and ended at once,
    /// whatever version it asks from: a broken server (or proxy) that never lets a watch run.
    /// </summary>
    public void SetWatchesExpireAtOnce(bool expire)
    {
        lock (_gate)
        {
            _watchesExpireAtOnce = expire;
        }
    }

    /// <summary>
    /// While forbidden, every watch request answers 403 (as for a service account whose role grants
    /// list but not watch) and lists still work.
    /// </summary>
    public void SetWatchForbidden(bool forbidden)
    {
        lock (_gate)
        {
            _watchForbidden = forbidden;
        }
    }

    /// <summary>
    /// While forbidden, every list and watch request answers 403 (as for a service account without
    /// the RBAC to read EndpointSlices at all).
    /// </summary>
    public void SetForbidden(bool forbidden)
    {
        lock (_gate)
        {
            _forbidden = forbidden;
        }
    }

    /// <summary>Creates or replaces a slice (ADDED or MODIFIED) under a new resource version.</summary>
    public void Apply(V1EndpointSlice slice)
    {
        lock (_gate)
        {
            var key = (slice.Metadata.NamespaceProperty, slice.Metadata.Name);
            string type = _slices.ContainsKey(key) ? "MODIFIED" : "ADDED";
            slice.Metadata.ResourceVersion = (++_version).ToString(CultureInfo.InvariantCulture);
            var stored = Copy(slice);
            _slices[key] = stored;
            Record(type, stored);
        }
    }

    public void Delete(string @namespace, string name)
    {
        lock (_gate)
        {
            if (_slices.Remove((@namespace, name), out var slice))
            {
                slice = Copy(slice);
                slice.Metadata.ResourceVersion = (++_version).ToString(CultureInfo.InvariantCulture);
                Record("DELETED", slice);
            }
        }
    }

    /// <summary>
    /// Compacts the history (every version before now is gone) and sends each open watch an ERROR
    /// event with Status 410 Expired; <paramref name="endStreams"/> false leaves the streams open,
    /// to show that the client lists afresh on the event itself.
    /// </summary>
    public void Expire(bool endStreams)
    {
        lock (_gate)
        {
            _compactedBelow = _version;
            foreach (var watch in _watches)
            {
                watch.Send(ExpiredEvent(watch.From));
                if (endStreams)
                {
                    watch.End();
                }
            }
        }
    }

    /// <summary>Ends every open watch cleanly, as the server does when a watch's timeout passes.</summary>
    public void EndWatches()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.End();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Abort();
            }
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static V1EndpointSlice Copy(V1EndpointSlice slice) => KubernetesJson.Deserialize<V1EndpointSlice>(KubernetesJson.Serialize(slice));

    private static string ExpiredEvent(long from) =>
        $"{{\"type\":\"ERROR\",\"object\":{Status(410, "Expired", $"too old resource version: {from}")}}}";

    /// <summary>A meta/v1 Status, written by hand: the client's model reads one but does not write it.</summary>
    private static string Status(int code, string reason, string message) => new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Status",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    }.ToJsonString();

    private static string Event(string type, V1EndpointSlice slice) =>
        $"{{\"type\":\"{type}\",\"object\":{KubernetesJson.Serialize(slice)}}}";

    private static bool Matches(V1EndpointSlice slice, string @namespace, string? selector)
    {
        if (slice.Metadata.NamespaceProperty != @namespace)
        {
            return false;
        }

        if (string.IsNullOrEmpty(selector))
        {
            return true;
        }

        // Equality selectors only ("a=b,c=d"): all the client sends.
        foreach (string term in selector.Split(','))
        {
            string[] parts = term.Split('=', 2);
            if (parts.Length != 2 || slice.Metadata.Labels is null || !slice.Metadata.Labels.TryGetValue(parts[0], out string? value) || value != parts[1])
            {
                return false;
            }
        }

        return true;
    }

    private void Record(string type, V1EndpointSlice slice)
    {
        long version = long.Parse(slice.Metadata.ResourceVersion, CultureInfo.InvariantCulture);
        _history.Add((version, type, slice));
        string line = Event(type, slice);
        foreach (var watch in _watches.Where(w => Matches(slice, w.Namespace, w.Selector)))
        {
            watch.Send(line);
        }
    }

    private async Task HandleAsync(HttpContext context, string ns)
    {
        string? selector = context.Request.Query["labelSelector"];
        bool watch = context.Request.Query["watch"] == "true";
        bool down = false;
        bool forbidden = false;
        lock (_gate)
        {
            Queries.Add(context.Request.QueryString.Value ?? "");
            Authorizations.Add(context.Request.Headers.Authorization.ToString());
            if (_down)
            {
                down = true;
            }

            forbidden = _forbidden || (watch && _watchForbidden);
        }

        if (down)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(
                Status(503, "ServiceUnavailable", "the stub is down"),
                context.RequestAborted);
            return;
        }

        if (forbidden)
        {
            if (watch)
            {
                Interlocked.Increment(ref _watchRequests);
            }

            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(
                Status(403, "Forbidden", $"endpointslices.discovery.k8s.io is forbidden: cannot {(watch ? "watch" : "list")} resource \"endpointslices\" in API group \"discovery.k8s.io\" in the namespace \"{ns}\""),
                context.RequestAborted);
            return;
        }

        if (!watch)
        {
            Interlocked.Increment(ref _lists);
            string body;
            lock (_gate)
            {
                var list = new V1EndpointSliceList
                {
                    ApiVersion = "discovery.k8s.io/v1",
                    Kind = "EndpointSliceList",
                    Metadata = new V1ListMeta { ResourceVersion = _version.ToString(CultureInfo.InvariantCulture) },
                    Items = [.. _slices.Values.Where(s => Matches(s, ns, selector))],
                };
                body = KubernetesJson.Serialize(list);
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body, context.RequestAborted);
            return;
        }

        Interlocked.Increment(ref _watchRequests);
        string? fromText = context.Request.Query["resourceVersion"];
        long from = long.TryParse(fromText, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed : 0;
        var open = new OpenWatch(ns, selector, from);
        lock (_gate)
        {
            if (from == 0)
            {
                // No version: the current state as ADDED events, then what follows.
                foreach (var slice in _slices.Values.Where(s => Matches(s, ns, selector)))
                {
                    open.Send(Event("ADDED", slice));
                }
            }
            else if (from < _compactedBelow || _watchesExpireAtOnce)
            {
                open.Send(ExpiredEvent(from));
                open.End();
            }
            else
            {
                foreach (var (version, type, slice) in _history.Where(h => h.Version > from && Matches(h.Slice, ns, selector)))
                {
                    open.Send(Event(type, slice));
                }
            }

            _watches.Add(open);
        }

        try
        {
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, open.Aborted);
            await foreach (string line in open.Lines.ReadAllAsync(aborted.Token))
            {
                await context.Response.WriteAsync(line + "\n", aborted.Token);
                await context.Response.Body.FlushAsync(aborted.Token);
            }
        }
        catch (OperationCanceledException)
        {
            if (open.Aborted.IsCancellationRequested)
            {
                context.Abort(); // a cut connection, not a clean end of stream
            }
        }
        finally
        {
            lock (_gate)
            {
                _watches.Remove(open);
            }
        }
    }

    private sealed class OpenWatch(string @namespace, string? selector, long from)
    {
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly CancellationTokenSource _aborted = new();

        public string Namespace { get; } = @namespace;

        public string? Selector { get; } = selector;

        public long From { get; } = from;

        public ChannelReader<string> Lines => _lines.Reader;

        public CancellationToken Aborted => _aborted.Token;

        public void Send(string line) => _lines.Writer.TryWrite(line);

        public void End() => _lines.Writer.TryComplete();

        public void Abort() => _aborted.Cancel();
    }
}
