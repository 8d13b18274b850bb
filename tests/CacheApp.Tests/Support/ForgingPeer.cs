using System.Net;
using System.Text;
using GroupCache.ConsistentHash;
using GroupCache.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CacheApp.Tests.Support;

/// <summary>
/// An outsider's fake groupcache peer on 127.0.0.1: it answers every peer-protocol GET with a forged
/// value ("forged " + key) in groupcache's protobuf, and anything else with 404. <see cref="JoinMessage"/>
/// is what the outsider POSTs to /api/cluster/join to have a node put it on its ring.
/// </summary>
internal sealed class ForgingPeer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private ForgingPeer(WebApplication app) => _app = app;

    /// <summary>Its groupcache address, which the join message names.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Peer-protocol GETs it has been sent: 0 means no node ever asked it for a value.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>A join in the node's own format: this peer, alive, as a member with the API address <paramref name="apiAddr"/>.</summary>
    public string JoinMessage(string apiAddr) =>
        $$"""{"from":"{{Url}}","members":[{"apiAddr":"{{apiAddr}}","groupCacheAddr":"{{Url}}","incarnation":1,"heartbeat":1,"left":false,"ageMs":0}]}""";

    public static string ForgedValue(string key) => "forged " + key;

    public static async Task<ForgingPeer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var peer = new ForgingPeer(app);
        app.MapGet("/_groupcache/{group}/{**key}", (string key, HttpContext ctx) =>
        {
            Interlocked.Increment(ref peer._requests);
            byte[] body = GetResponse(Encoding.UTF8.GetBytes(ForgedValue(Uri.UnescapeDataString(key))));
            return Results.Bytes(body, PeerProtocolHeaders.ProtobufContentType);
        });
        await app.StartAsync();
        peer.Url = app.Urls.Single().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
        return peer;
    }

    /// <summary>
    /// Keys that the fake would own on a ring of <paramref name="members"/> and itself (as a node
    /// builds it: default replicas, groupcache's hash), so that a node that took the fake in would
    /// send exactly these keys to it.
    /// </summary>
    public IReadOnlyList<string> KeysItWouldOwn(IEnumerable<string> members, int count)
    {
        var ring = new HashRing(HttpPoolOptions.DefaultReplicas);
        ring.Add([.. members, Url]);
        return [.. Enumerable.Range(0, 10_000).Select(i => $"key-{i}").Where(k => ring.Get(k) == Url).Take(count)];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // groupcache's GetResponse with field 1 (value): tag 0x0A, a varint length, the bytes.
    private static byte[] GetResponse(byte[] value)
    {
        var message = new List<byte> { 0x0A };
        for (uint n = (uint)value.Length; ; n >>= 7)
        {
            if (n < 0x80)
            {
                message.Add((byte)n);
                break;
            }

            message.Add((byte)(n | 0x80));
        }

        message.AddRange(value);
        return [.. message];
    }
}
