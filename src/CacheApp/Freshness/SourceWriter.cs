using System.Net.Http.Headers;
using CacheApp.Configuration;
using CacheApp.Source;

namespace CacheApp.Freshness;

/// <summary>The source's answer to a write, passed on to the client as it came.</summary>
public sealed record SourceWriteResult(int Status, string? ContentType, byte[] Body);

/// <summary>
/// PUT {source}/api/data/{escaped key} with the client's body as JSON. A slow source is
/// <see cref="SourceTimeoutException"/>; an unreachable one, a redirect (3xx, not followed) or an
/// answer longer than a record holding a value of MAX_VALUE_BYTES can be (read no further; without
/// a bound a broken source could make a write buffer up to 2 GB) <see cref="SourceUnavailableException"/>;
/// every other answer (2xx, 4xx, 5xx) is returned as it came.
/// </summary>
internal sealed class SourceWriter(SourceHttp http, CacheAppSettings settings)
{
    /// <summary>Bodies larger than this ask the source to accept them first (Expect: 100-continue).</summary>
    internal const int ExpectContinueAbove = 64 * 1024;

    public async Task<SourceWriteResult> PutAsync(string key, ReadOnlyMemory<byte> body, string? authorization)
    {
        // Not the client's token: a write that was started is seen through (bounded by
        // SOURCE_TIMEOUT), so that a client hanging up cannot leave a committed write uninvalidated.
        using var timeout = new CancellationTokenSource(settings.SourceTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Put, SourceUrls.Data(settings.SourceUrl, key))
        {
            Content = new ReadOnlyMemoryContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        if (body.Length > ExpectContinueAbove)
        {
            // A source that refuses the body by its length (413 over -max-body) answers before it
            // is sent. Without this it answers and closes while the body is still going out, and
            // the broken pipe, not its 413, is what this node would see and pass on (as a 502).
            request.Headers.ExpectContinue = true;
        }

        if (!string.IsNullOrEmpty(authorization))
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        try
        {
            using var response = await http.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                // Passed on, it would be a redirect without its Location (the client cannot follow it)
                // that the write endpoint counts as a success.
                throw new SourceUnavailableException($"source answered HTTP {(int)response.StatusCode}, a redirect (not followed)");
            }

            // The source echoes the record it stored, whose value is no longer than the body sent
            // (JSON's escapes only shorten it), even when that is over MAX_VALUE_BYTES.
            long echoedValueBytes = Math.Max(settings.MaxValueBytes, body.Length);
            var (buffer, length) = await SourceRecordReader.ReadAsync(response.Content, echoedValueBytes, timeout.Token).ConfigureAwait(false);
            byte[] answer = buffer.AsSpan(0, length).ToArray();
            SourceRecordReader.Release(buffer);
            return new SourceWriteResult((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), answer);
        }
        catch (OperationCanceledException ex)
        {
            throw new SourceTimeoutException($"source did not answer the write within {settings.SourceTimeout.TotalMilliseconds:0}ms", ex);
        }
        catch (HttpRequestException ex)
        {
            // Not ex.Message: it names the source's address, which API clients have no business seeing.
            throw new SourceUnavailableException($"source unreachable ({ex.HttpRequestError})", ex);
        }
        catch (IOException ex)
        {
            // The answer was cut off after its headers.
            throw new SourceUnavailableException("source's answer was cut off", ex);
        }
    }
}
