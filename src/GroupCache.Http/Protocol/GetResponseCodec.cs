using Google.Protobuf;
using GroupCache.Peers;

namespace GroupCache.Http.Protocol;

/// <summary>Maps <see cref="PeerResponse"/> to and from groupcache's <c>GetResponse</c> message.</summary>
internal static class GetResponseCodec
{
    /// <summary>
    /// The message for <paramref name="response"/>. The value is wrapped, not copied: the cache's
    /// bytes are immutable and outlive the write. Fields that are zero stay unset, as Go sends them.
    /// </summary>
    public static GetResponse ToMessage(PeerResponse response)
    {
        var message = new GetResponse { Value = UnsafeByteOperations.UnsafeWrap(response.Value.AsMemory()) };
        if (response.MinuteQps != 0)
        {
            message.MinuteQps = response.MinuteQps;
        }

        if (response.ExpiresAtUnixNanos != 0)
        {
            message.Expire = response.ExpiresAtUnixNanos;
        }

        return message;
    }

    /// <summary>
    /// Decodes a body; the value is copied once, out of <paramref name="body"/> (a pooled buffer)
    /// into the array it will live in. A missing value is an empty one, as in Go.
    /// </summary>
    /// <exception cref="InvalidProtocolBufferException">The body is not a GetResponse.</exception>
    public static PeerResponse Decode(ReadOnlySpan<byte> body)
    {
        var message = GetResponse.Parser.ParseFrom(body);
        return new PeerResponse(new ByteView(message.Value.Memory), message.Expire, message.MinuteQps);
    }
}
