using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GroupCache.Dns;
using GroupCache.Http.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using ServiceTesting;

namespace GroupCache.Http.Tests;

/// <summary>Defects found by review of the HTTP peer protocol, each pinned by a test that failed before its fix.</summary>
public sealed class AuditHttpTests
{
    /// <summary>
    /// An absolute-form request target whose authority is followed by a query or fragment has the
    /// path "/" (RFC 3986: the authority ends at the first '/', '?' or '#'), and that is the path
    /// Kestrel gives the pipeline. The endpoint must not read a path out of the query: it would
    /// serve a request that every middleware before it saw as one for "/", past a path-based rule
    /// that keeps the peer protocol from the outside.
    /// </summary>
    [Theory]
    [InlineData("GET http://127.0.0.1:{0}?x=/_groupcache/data/k HTTP/1.1")]
    [InlineData("GET http://127.0.0.1:{0}#/_groupcache/data/k HTTP/1.1")]
    [InlineData("DELETE http://127.0.0.1:{0}?/_groupcache/data/k HTTP/1.1")]
    public async Task AbsoluteFormTarget_PathOnlyInTheQueryOrFragment_IsNotServedAsAPeerRequest(string requestLine)
    {
        var registry = new GroupRegistry();
        var getter = new CountingGetter();
        var seenPaths = new List<string>();
        await using var host = await TestServerHost.StartAsync(app =>
        {
            // A rule of the app's, before the peer protocol, by the path the pipeline sees.
            app.Use((context, next) =>
            {
                lock (seenPaths)
                {
                    seenPaths.Add(context.Request.Path.Value ?? string.Empty);
                }

                return context.Request.Path.StartsWithSegments("/_groupcache", StringComparison.Ordinal)
                    ? Results.StatusCode(StatusCodes.Status403Forbidden).ExecuteAsync(context)
                    : next(context);
            });
            app.UseGroupCachePeerProtocol(registry, new HttpPoolOptions());
        });
        using var pool = new HttpPool(host.Url);
        var group = registry.NewGroup("data", 1 << 20, getter, pool);
        group.Remove("k"); // nothing cached; a DELETE that got through would leave no trace otherwise
        string line = string.Format(CultureInfo.InvariantCulture, requestLine, new Uri(host.Url).Port);

        string answer = await SendRawAsync(host.Url, line);

        Assert.Equal(["/"], seenPaths);
        Assert.DoesNotContain("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Equal(0, getter.Total);
    }

    /// <summary>
    /// Kestrel removes dot segments ("..", escaped or not) from the path it gives the pipeline,
    /// while the endpoint reads the raw target, where a key's unescaped '/' splits it into
    /// segments. A key of several raw segments with a dot segment among them names one resource to
    /// the middleware before the endpoint (a path outside the base path here) and another to the
    /// endpoint. No client sends one (Go's and ours escape '/' in keys), so it is refused.
    /// </summary>
    [Theory]
    [InlineData("GET /_groupcache/data/x/../../../other HTTP/1.1")]
    [InlineData("GET /_groupcache/data/x/%2E%2E/%2e%2e/../other HTTP/1.1")]
    [InlineData("GET /_groupcache/data/x/.%2E/.%2e/%2E./other HTTP/1.1")]
    [InlineData("DELETE /_groupcache/data/x/../../../other HTTP/1.1")]
    public async Task RawKeyWithDotSegments_OutsideTheBasePathForThePipeline_IsNotServed(string requestLine)
    {
        var registry = new GroupRegistry();
        var getter = new CountingGetter();
        var seenPaths = new List<string>();
        await using var host = await TestServerHost.StartAsync(app =>
        {
            app.Use((context, next) =>
            {
                lock (seenPaths)
                {
                    seenPaths.Add(context.Request.Path.Value ?? string.Empty);
                }

                return context.Request.Path.StartsWithSegments("/_groupcache", StringComparison.Ordinal)
                    ? Results.StatusCode(StatusCodes.Status403Forbidden).ExecuteAsync(context)
                    : next(context);
            });
            app.UseGroupCachePeerProtocol(registry, new HttpPoolOptions());
        });
        using var pool = new HttpPool(host.Url);
        registry.NewGroup("data", 1 << 20, getter, pool);

        string answer = await SendRawAsync(host.Url, requestLine);

        Assert.Equal(["/other"], seenPaths);
        Assert.DoesNotContain("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Equal(0, getter.Total);
    }

    /// <summary>
    /// An SRV record whose target is "." says the service is not available there (RFC 2782): it
    /// names no host. Looked up as the empty name (the root), it failed the whole lookup wherever the
    /// server refuses that query (an authoritative-only server, like dnsmasq or a cluster's DNS),
    /// so one such record beside good ones kept every later change of the ring out for as long
    /// as it stayed.
    /// </summary>
    [Fact]
    public async Task DnsSrvRecordWithRootTarget_IsLeftOut_AndTheOtherRecordsMakeTheRing()
    {
        using var dns = new Dnsmasq(
            "g.test",
            TimeSpan.FromSeconds(30),
            ["--srv-host=_groupcache._tcp.ring.g.test,n1.g.test,7101", "--srv-host=_groupcache._tcp.ring.g.test,.,7102"]);
        await dns.StartAsync();
        dns.SetHosts([("127.0.0.2", "n1.g.test")]);
        var source = new DnsPeerSource(
            new DnsDiscoveryOptions { Name = "ring.g.test", Server = dns.EndPoint, QueryTimeout = TimeSpan.FromMilliseconds(500) },
            "http://127.0.0.9:7000",
            TimeProvider.System,
            NullLogger.Instance);

        var refresh = await source.RefreshAsync(CancellationToken.None);

        Assert.Null(source.Snapshot.LastError);
        Assert.Equal(["http://127.0.0.2:7101", "http://127.0.0.9:7000"], refresh.Peers);
    }

    /// <summary>
    /// An AAAA record holding an IPv4-mapped address (::ffff:a.b.c.d) names the host of the A
    /// record a.b.c.d: connections to either reach the same node. Spelled as an IPv6 URL it was a
    /// second member, one that is this node itself when the address is this node's: a share of the
    /// keys went to it over HTTP, and another node's double share went to one node.
    /// </summary>
    [Fact]
    public async Task DnsIpv4MappedAaaaRecord_IsTheSamePeerAsItsARecord()
    {
        using var dns = new Dnsmasq("g.test", TimeSpan.FromSeconds(30), []);
        await dns.StartAsync();
        dns.SetHosts([("127.0.0.2", "ring.g.test"), ("::ffff:127.0.0.2", "ring.g.test"), ("::ffff:127.0.0.9", "ring.g.test")]);
        var source = new DnsPeerSource(
            new DnsDiscoveryOptions { Name = "ring.g.test", Server = dns.EndPoint, QueryTimeout = TimeSpan.FromMilliseconds(500) },
            "http://127.0.0.9:7000",
            TimeProvider.System,
            NullLogger.Instance);

        var refresh = await source.RefreshAsync(CancellationToken.None);

        Assert.Equal(["http://127.0.0.2:7000", "http://127.0.0.9:7000"], refresh.Peers);
    }

    private static async Task<string> SendRawAsync(string url, string requestLine)
    {
        int port = new Uri(url).Port;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"{requestLine}\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"));
        var buffer = new byte[16 * 1024];
        int have = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (have < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(have), timeout.Token);
            if (n == 0)
            {
                break;
            }

            have += n;
        }

        return Encoding.Latin1.GetString(buffer, 0, have);
    }
}
