using Microsoft.AspNetCore.Http;

namespace GroupCache.Http.Tests;

public sealed class SharedSecretTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void From_NullOrEmpty_IsNoCheck(string? secret) => Assert.Null(SharedSecret.From(secret));

    [Theory]
    [InlineData("s3cret", true)]
    [InlineData("s3cre", false)]
    [InlineData("s3cret ", false)]
    [InlineData("S3CRET", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Matches_PresentedValue_IsTrueOnlyForTheExactSecret(string? presented, bool expected) =>
        Assert.Equal(expected, SharedSecret.From("s3cret")!.Matches(presented));

    [Fact]
    public void Matches_SecretLongerThanTheStackBuffer_ComparesWholeValue()
    {
        // Non-ASCII, so that the UTF-8 form is longer than the string: past the 256-byte stack buffer.
        string secret = string.Concat(Enumerable.Repeat("ключ", 100));
        var check = SharedSecret.From(secret)!;

        Assert.True(check.Matches(secret));
        Assert.False(check.Matches(secret[..^1] + "Ч"));
        Assert.False(check.Matches(secret + "x"));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("wrong", false)]
    [InlineData("s3cret", true)]
    public void IsPresentedBy_SecretHeader_IsTrueOnlyWhenItMatches(string? header, bool expected)
    {
        var request = new DefaultHttpContext().Request;
        if (header is not null)
        {
            request.Headers[PeerProtocolHeaders.Secret] = header;
        }

        Assert.Equal(expected, SharedSecret.From("s3cret")!.IsPresentedBy(request));
    }
}
