using SourceApp.Api;

namespace SourceApp.Tests.Api;

public class WriteTokenTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer anything")]
    public void IsAuthorized_NoTokenConfigured_AllowsEveryWrite(string? header)
    {
        var token = new WriteToken(null);

        Assert.False(token.IsRequired);
        Assert.True(token.IsAuthorized(header));
    }

    [Theory]
    [InlineData("Bearer s3cret", true)]
    [InlineData("bearer s3cret", true)]
    [InlineData("Bearer  s3cret ", true)]
    [InlineData("Bearer s3cre", false)]
    [InlineData("Bearer s3cret2", false)]
    [InlineData("Basic s3cret", false)]
    [InlineData("s3cret", false)]
    [InlineData("Bearer ", false)]
    [InlineData(null, false)]
    public void IsAuthorized_TokenConfigured_NeedsTheExactBearerToken(string? header, bool expected)
    {
        var token = new WriteToken("s3cret");

        Assert.True(token.IsRequired);
        Assert.Equal(expected, token.IsAuthorized(header));
    }

    [Theory]
    [InlineData("s3cret\n")]
    [InlineData(" s3cret\r\n")]
    public void IsAuthorized_ConfiguredTokenWithSurroundingWhitespace_IsTrimmedAsThePresentedOneIs(string configured)
    {
        var token = new WriteToken(configured);

        Assert.True(token.IsAuthorized("Bearer s3cret"));
        Assert.False(token.IsAuthorized("Bearer s3cre"));
    }
}
