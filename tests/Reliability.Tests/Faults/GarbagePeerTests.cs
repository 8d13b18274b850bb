using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Faults;

/// <summary>
/// A fake peer on the node's fixed ring (GROUPCACHE_PEERS) that answers garbage: the node must count a
/// peer error, load the key from the real source, stay up, and keep its memory bounded by MAX_VALUE_BYTES.
/// </summary>
public sealed class GarbagePeerTests(ITestOutputHelper output)
{
    private const long MaxValueBytes = 1 << 20;
    private const long OneGiB = 1L << 30;

    // How each kind of key is answered by the fake peer (the key's prefix picks it).
    private static readonly string[] Kinds = ["proto", "trunc", "huge", "flood", "big"];

    [Fact]
    public async Task GarbagePeer_EveryKindOfBadAnswer_IsAPeerErrorAndTheKeyIsLoadedLocally_WithBoundedMemory()
    {
        var hits = new ConcurrentDictionary<string, int>();
        await using var peer = await FakeServer.StartAsync(ctx => AnswerGarbageAsync(ctx, hits));
        using var dir = new TempDir();
        using var source = new SourceNode(dir.Path);
        await source.StartAsync();
        int gcPort = FreePort.Next();
        using var node = new CacheNode("garbage-victim", source.Url, gcPort: gcPort, extraEnv: new Dictionary<string, string>
        {
            ["GROUPCACHE_PEERS"] = $"http://127.0.0.1:{gcPort},{peer.Url}",
            ["MAX_VALUE_BYTES"] = MaxValueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PEER_TIMEOUT"] = "3s",
        });
        await node.StartAsync();

        var keysByKind = Kinds.ToDictionary(k => k, k => Values.Keys(k + "-", 40));
        await Parallel.ForEachAsync(keysByKind.Values.SelectMany(k => k), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, _) =>
            await TestHttp.PutValueAsync(source.Url, key, Values.Of(key)));

        var perKind = new Dictionary<string, object>();
        long rssBefore = node.Process.ResidentBytes();
        long rssPeak = rssBefore;
        foreach (string kind in Kinds)
        {
            int ok = 0;
            int wrong = 0;
            int failed = 0;
            foreach (string key in keysByKind[kind])
            {
                var (status, body) = await node.GetAsync(key);
                if (status != HttpStatusCode.OK)
                {
                    failed++;
                }
                else if (body.GetProperty("value").GetString() == Values.Of(key))
                {
                    ok++;
                }
                else
                {
                    wrong++;
                }

                rssPeak = Math.Max(rssPeak, node.Process.ResidentBytes());
            }

            perKind[kind] = new { sent = keysByKind[kind].Count, ok, failed, wrong, peerAnswers = hits.GetValueOrDefault(kind) };
        }

        long rssAfter = node.Process.ResidentBytes();
        long peerErrors = await node.StatAsync("peerErrors");
        long localLoads = await node.StatAsync("localLoads");
        using var health = await TestHttp.Client.GetAsync(new Uri(node.ApiUrl + "/health"));
        new Figures("garbage-peer", output)
            .Add("maxValueBytes", MaxValueBytes)
            .Add("kinds", perKind)
            .Add("peerErrors", peerErrors)
            .Add("localLoads", localLoads)
            .Add("rssBeforeMiB", Math.Round(rssBefore / 1048576.0, 1))
            .Add("rssPeakMiB", Math.Round(rssPeak / 1048576.0, 1))
            .Add("rssAfterMiB", Math.Round(rssAfter / 1048576.0, 1))
            .Write();

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(node.Process.HasExited);
        foreach (string kind in Kinds)
        {
            Assert.True(hits.GetValueOrDefault(kind) >= 5, $"the fake peer was asked for only {hits.GetValueOrDefault(kind)} {kind} keys");
        }

        // Every key answered right, from the source, and every garbage answer counted as a peer error.
        Assert.All(perKind.Values, v => Assert.Equal(40, (int)v.GetType().GetProperty("ok")!.GetValue(v)!));
        Assert.True(peerErrors >= hits.Values.Sum(), $"{peerErrors} peer errors for {hits.Values.Sum()} garbage answers");
        Assert.Equal(Kinds.Length * 40, localLoads);

        // A 1 GiB announcement and a 1 GiB stream cost the node no more than a few times the value limit.
        Assert.True(rssPeak - rssBefore < 64L << 20, $"RSS grew from {rssBefore >> 20} MiB to {rssPeak >> 20} MiB");
    }

    private static async Task AnswerGarbageAsync(HttpContext ctx, ConcurrentDictionary<string, int> hits)
    {
        string path = ctx.Request.Path.Value ?? "";
        string key = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        string kind = key.Split('-')[0];
        hits.AddOrUpdate(kind, 1, (_, n) => n + 1);
        ctx.Response.ContentType = "application/x-protobuf";
        try
        {
            switch (kind)
            {
                case "proto":
                    // Field 1 (value) claims 2^34 bytes and ends; then a field with wire type 7, which does not exist.
                    byte[] wrong = [0x0A, 0x80, 0x80, 0x80, 0x80, 0x40, 0x0F, 0xFF];
                    ctx.Response.ContentLength = wrong.Length;
                    await ctx.Response.Body.WriteAsync(wrong);
                    break;
                case "trunc":
                    // Announces 1000 bytes, sends a valid start of 10 and hangs up.
                    ctx.Response.ContentLength = 1000;
                    await ctx.Response.Body.WriteAsync(new byte[] { 0x0A, 0xE6, 0x07, (byte)'p', (byte)'a', (byte)'r', (byte)'t', (byte)'i', (byte)'a', (byte)'l' });
                    await ctx.Response.Body.FlushAsync();
                    ctx.Abort();
                    break;
                case "huge":
                    // Announces 1 GiB; sends 64 KiB of it and hangs up.
                    ctx.Response.ContentLength = OneGiB;
                    await ctx.Response.Body.WriteAsync(new byte[64 * 1024]);
                    await ctx.Response.Body.FlushAsync();
                    ctx.Abort();
                    break;
                case "flood":
                    // No length: a value field that claims 1 GiB, then up to 32 MiB of it, until the node stops reading.
                    ctx.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                    await ctx.Response.Body.WriteAsync(new byte[] { 0x0A, 0x80, 0x80, 0x80, 0x80, 0x04 });
                    var chunk = new byte[256 * 1024];
                    for (int sent = 0; sent < 32 << 20 && !ctx.RequestAborted.IsCancellationRequested; sent += chunk.Length)
                    {
                        await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                    }

                    ctx.Abort();
                    break;
                default:
                    // A well-formed answer whose value (2 MiB) is over the node's limit.
                    var value = new byte[2 << 20];
                    byte[] header = [0x0A, 0x80, 0x80, 0x80, 0x01];
                    ctx.Response.ContentLength = header.Length + value.Length;
                    await ctx.Response.Body.WriteAsync(header);
                    await ctx.Response.Body.WriteAsync(value);
                    break;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The node hung up on the garbage, as it should.
        }
    }
}
