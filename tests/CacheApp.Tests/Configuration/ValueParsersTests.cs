using CacheApp.Configuration;

namespace CacheApp.Tests.Configuration;

public class ValueParsersTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("1048576", 1048576L)]
    [InlineData("512KB", 512L * 1024)]
    [InlineData("64MB", 64L << 20)]
    [InlineData("64mb", 64L << 20)]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("64 M", 64L << 20)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("1.5GB", 3L << 29)]
    [InlineData("100B", 100L)]
    public void TryParseByteSize_ValidSizes_ParseToBytes(string text, long expected)
    {
        Assert.True(ValueParsers.TryParseByteSize(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("64XB")]
    [InlineData("-1")]
    [InlineData("MB")]
    [InlineData("0.5B")]
    [InlineData("99999999999TB")]
    [InlineData("1000000000000000000000000000K")] // past decimal's range once multiplied
    [InlineData("79228162514264337593543950335T")]
    public void TryParseByteSize_InvalidSizes_AreRejected(string text)
    {
        Assert.False(ValueParsers.TryParseByteSize(text, out _));
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("3s", 3000)]
    [InlineData("3", 3000)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void TryParseDuration_ValidDurations_Parse(string text, double expectedMs)
    {
        Assert.True(ValueParsers.TryParseDuration(text, out var duration));
        Assert.Equal(expectedMs, duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("3d")]
    [InlineData("-1s")]
    public void TryParseDuration_InvalidDurations_AreRejected(string text)
    {
        Assert.False(ValueParsers.TryParseDuration(text, out _));
    }
}
