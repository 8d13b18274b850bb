using System.Text;
using CacheApp.Configuration;
using CacheApp.Freshness;
using CacheApp.Source;
using Microsoft.AspNetCore.Http;

namespace CacheApp.Tests.Source;

/// <summary>
/// The node's write-through client against a source (Kestrel on 127.0.0.1) whose answer to the PUT
/// is longer than any record the node could keep: refused after at most the limit, not buffered.
/// </summary>
public sealed class SourceWriterLimitsTests
{
    private const long MaxValueBytes = 1000; // a record may then have 6 * 1000 + 64 KiB bytes

    /// <summary>Writes through to a source that answers with <paramref name="answer"/>; what the writer returned or threw.</summary>
    private static async Task<(SourceWriteResult? Result, Exception? Error)> PutAsync(RequestDelegate answer, byte[]? body = null)
    {
        await using var source = await FakeServer.StartAsync(answer);
        using var http = SourceHttp.For(Settings(source.Url));
        var writer = new SourceWriter(http, Settings(source.Url));
        try
        {
            return (await writer.PutAsync("k", body ?? """{"value":"v"}"""u8.ToArray(), null), null);
        }
        catch (Exception ex)
        {
            return (null, ex);
        }
    }

    private static CacheAppSettings Settings(string sourceUrl) => new()
    {
        NodeName = "test-node",
        SelfHost = "127.0.0.1",
        SelfApiAddr = "http://127.0.0.1:1",
        SelfGroupCacheAddr = "http://127.0.0.1:2",
        SourceUrl = sourceUrl,
        SourceTimeout = TimeSpan.FromSeconds(5),
        MaxValueBytes = MaxValueBytes,
    };

    [Fact]
    public async Task Put_SourceAnnouncesAnAnswerLongerThanARecord_IsRefusedAtOnceUnread()
    {
        var (_, error) = await PutAsync(async context =>
        {
            context.Response.ContentLength = 100_000_000;
            await context.Response.Body.WriteAsync("{"u8.ToArray());
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted); // then nothing more
        });

        Assert.Contains("MAX_VALUE_BYTES=1000", Assert.IsType<SourceUnavailableException>(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_SourceSendsAnUnannouncedAnswerLongerThanARecord_IsRefused()
    {
        long limit = (6 * MaxValueBytes) + (64 * 1024);
        var (_, error) = await PutAsync(async context =>
        {
            var chunk = new byte[4096];
            chunk.AsSpan().Fill((byte)'x');
            for (long sent = 0; sent <= limit + chunk.Length && !context.RequestAborted.IsCancellationRequested; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });

        Assert.Contains("MAX_VALUE_BYTES=1000", Assert.IsType<SourceUnavailableException>(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_SourceAnswersARecord_IsPassedOnWhole()
    {
        byte[] record = """{"key":"k","value":"v","version":1}"""u8.ToArray();
        var (result, error) = await PutAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(record);
        });

        Assert.Null(error);
        Assert.Equal(201, result!.Status);
        Assert.Equal(record, result.Body);
    }

    [Fact]
    public async Task Put_ValueOverMaxValueBytes_TheSourcesEchoOfItIsPassedOn()
    {
        // The source stores what it is given; its answer echoes the value, longer than any record
        // the node would load, but no longer than the body that was sent.
        byte[] body = Encoding.UTF8.GetBytes("{\"value\":\"" + new string('x', 80_000) + "\"}");
        byte[] record = Encoding.UTF8.GetBytes("{\"key\":\"k\",\"value\":\"" + new string('x', 80_000) + "\",\"version\":1}");
        var (result, error) = await PutAsync(async context => await context.Response.Body.WriteAsync(record), body);

        Assert.Null(error);
        Assert.Equal(record, result!.Body);
    }
}
