using System.Net;
using System.Text.Json;
using GroupCache;

namespace CacheApp.Source;

/// <summary>
/// The group's getter: GET {source}/api/data/{escaped key}. The source's 404 becomes
/// <see cref="NotFoundException"/>; its 400 (a key it refuses) <see cref="SourceRejectedKeyException"/>; a slow source <see cref="SourceTimeoutException"/>; anything else
/// <see cref="SourceUnavailableException"/>, and so does a value larger than MAX_VALUE_BYTES: peers refuse
/// to carry one (a Go peer's answer too), so if its owner cached it every other node would load it from
/// the source itself. Only the record's value is kept, so that every peer — a Go one too — caches and
/// serves the plain value bytes.
/// </summary>
public sealed class SourceGetter : IGetter
{
    private readonly HttpClient _http;
    private readonly string _baseUrl;
    private readonly TimeSpan _timeout;
    private readonly long _maxValueBytes;

    /// <param name="http">A client without its own timeout (<see cref="Timeout.InfiniteTimeSpan"/>): this class times each request.</param>
    /// <param name="maxValueBytes">The largest value loaded (MAX_VALUE_BYTES); a larger one fails the load.</param>
    public SourceGetter(HttpClient http, string baseUrl, TimeSpan timeout, long maxValueBytes)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentException.ThrowIfNullOrEmpty(baseUrl);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxValueBytes);
        _http = http;
        _baseUrl = baseUrl;
        _timeout = timeout;
        _maxValueBytes = maxValueBytes;
    }

    public async ValueTask<ByteView> GetAsync(string key, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_timeout);
        var uri = SourceUrls.Data(_baseUrl, key);
        try
        {
            using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new NotFoundException($"key not found: {key}");
            }

            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                throw new SourceRejectedKeyException("the source refuses this key as malformed");
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new SourceUnavailableException($"source answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var (body, length) = await SourceRecordReader.ReadAsync(response.Content, _maxValueBytes, cts.Token);
            byte[] value;
            try
            {
                value = ReadValue(body.AsSpan(0, length));
            }
            finally
            {
                SourceRecordReader.Release(body);
            }

            if (value.Length > _maxValueBytes)
            {
                throw new SourceUnavailableException($"source answered a value of {value.Length} bytes; the limit is {_maxValueBytes} (MAX_VALUE_BYTES)");
            }

            return new ByteView(value);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SourceTimeoutException($"source did not answer within {_timeout.TotalMilliseconds:0}ms", ex);
        }
        catch (IOException ex)
        {
            // The answer broke off after its headers (reset, or shorter than it announced).
            throw new SourceUnavailableException("source's answer broke off", ex);
        }
        catch (HttpRequestException ex)
        {
            // Not ex.Message: it names the source's address, which API clients have no business
            // seeing; the inner exception keeps it for the logs.
            throw new SourceUnavailableException($"source unreachable ({ex.HttpRequestError})", ex);
        }
    }

    /// <summary>The UTF-8 bytes of the "value" string of a source record.</summary>
    internal static byte[] ReadValue(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new SourceUnavailableException("source answered something other than a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isValue = reader.ValueTextEquals("value"u8);
                reader.Read();
                if (isValue && reader.TokenType == JsonTokenType.String)
                {
                    int length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                    var buffer = new byte[length];
                    int written = reader.CopyString(buffer);
                    return written == length ? buffer : buffer[..written];
                }

                reader.Skip();
            }
        }
        catch (JsonException ex)
        {
            throw new SourceUnavailableException("source answered invalid JSON", ex);
        }

        throw new SourceUnavailableException("source answered a record without a string \"value\"");
    }
}
