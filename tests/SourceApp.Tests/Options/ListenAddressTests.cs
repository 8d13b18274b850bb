using System.Net;
using SourceApp.Options;

namespace SourceApp.Tests.Options;

public class ListenAddressTests
{
    [Theory]
    [InlineData(":8086", "", 8086)]
    [InlineData("127.0.0.1:8086", "127.0.0.1", 8086)]
    [InlineData("0.0.0.0:8086", "0.0.0.0", 8086)]
    [InlineData("[::1]:8086", "[::1]", 8086)]
    [InlineData("[::]:80", "[::]", 80)]
    [InlineData("localhost:8086", "localhost", 8086)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData(":65535", "", 65535)]
    public void TryParse_GoStyleAddress_Parses(string text, string host, int port)
    {
        Assert.True(ListenAddress.TryParse(text, out var address, out var error), error);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
    }

    [Theory]
    [InlineData("8086")]
    [InlineData("")]
    [InlineData(":")]
    [InlineData(":65536")]
    [InlineData(":-1")]
    [InlineData(": 80")]
    [InlineData("127.0.0.1:http")]
    [InlineData("::1:8086")]
    [InlineData("[::1:8086")]
    [InlineData("[127.0.0.1]:8086")]
    [InlineData("example.com:8086")]
    [InlineData("10.1:8086")]
    [InlineData("256.0.0.1:8086")]
    public void TryParse_BadAddress_Fails(string text)
    {
        Assert.False(ListenAddress.TryParse(text, out _, out var error));
        Assert.Contains(text, error);
    }

    [Fact]
    public void Ip_ForEachForm_IsTheAddressToBind()
    {
        Assert.Null(ListenAddress.Parse(":8086").Ip);
        Assert.Null(ListenAddress.Parse("localhost:8086").Ip);
        Assert.Equal(IPAddress.Loopback, ListenAddress.Parse("127.0.0.1:8086").Ip);
        Assert.Equal(IPAddress.Any, ListenAddress.Parse("0.0.0.0:8086").Ip);
        Assert.Equal(IPAddress.IPv6Loopback, ListenAddress.Parse("[::1]:8086").Ip);
    }
}
