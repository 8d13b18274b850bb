using System.Net;
using System.Net.Sockets;

namespace GroupCache.Http.Tests;

public class OutgoingConnectionsTests
{
    private static readonly IPAddress Other = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task ConnectAsync_LocalAddress_TheServerSeesItAsTheSource()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        using var socket = await OutgoingConnections.ConnectAsync("127.0.0.1", port, Other, CancellationToken.None);
        using var accepted = await listener.AcceptSocketAsync();

        Assert.Equal(Other, ((IPEndPoint)accepted.RemoteEndPoint!).Address);
        Assert.True(socket.NoDelay);
    }

    [Fact]
    public async Task From_AsConnectCallback_HttpRequestsStartFromTheAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var http = new HttpClient(new SocketsHttpHandler { ConnectCallback = OutgoingConnections.From(Other), UseProxy = false });

        var request = http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
        using var accepted = await listener.AcceptSocketAsync();
        var source = ((IPEndPoint)accepted.RemoteEndPoint!).Address;
        await accepted.SendAsync("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), SocketFlags.None);
        using var response = await request;

        Assert.Equal(Other, source);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }
}
