namespace GroupCache.Http;

/// <summary>Headers that C# nodes add to groupcache's protocol; Go nodes neither send nor need them.</summary>
public static class PeerProtocolHeaders
{
    /// <summary>On a 404: the owner's source has no such key (an answer, not a failure).</summary>
    public const string NotFound = "X-GroupCache-Not-Found";

    internal static ReadOnlySpan<byte> NotFoundUtf8 => "X-GroupCache-Not-Found"u8;

    /// <summary>The cluster secret, when <see cref="HttpPoolOptions.ClusterSecret"/> is set.</summary>
    public const string Secret = "X-GroupCache-Secret";

    /// <summary>The Content-Type of a <c>GetResponse</c>, as groupcache sends it.</summary>
    public const string ProtobufContentType = "application/x-protobuf";
}
