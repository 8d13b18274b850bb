using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KestrelGuard.Tests;

/// <summary>A real Kestrel on 127.0.0.1 with and without the guard, spoken to over raw sockets.</summary>
public sealed class KestrelVersionGuardTests : IAsyncLifetime
{
    private WebApplication? _guarded;
    private WebApplication? _plain;
    private int _guardedPort;
    private int _plainPort;

    public async Task InitializeAsync()
    {
        (_guarded, _guardedPort) = await StartAsync(guard: true);
        (_plain, _plainPort) = await StartAsync(guard: false);
    }

    public async Task DisposeAsync()
    {
        foreach (var app in new[] { _guarded, _plain })
        {
            if (app is not null)
                await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("GET /echo HTTP/9.9\r\nHost: x\r\n\r\n")]
    [InlineData("GET /echo http/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /echo HTTP/2.0\r\nHost: x\r\n\r\n")]
    public async Task UnknownVersion_WithoutTheGuard_Is505(string request)
    {
        // The reason the guard exists; if Kestrel ever stops doing this, the guard can go.
        var responses = await ExchangeAsync(_plainPort, request);

        Assert.Equal([505], Statuses(responses));
    }

    [Theory]
    [InlineData("GET /echo HTTP/9.9\r\nHost: x\r\n\r\n")]
    [InlineData("GET /echo http/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /echo HTTP/2.0\r\nHost: x\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("GET /echo HTTP/1.1x\r\nHost: x\r\n\r\n")]
    public async Task UnknownVersion_WithTheGuard_Is400AndClosed(string request)
    {
        var responses = await ExchangeAsync(_guardedPort, request);

        Assert.Equal([400], Statuses(responses));
        Assert.Contains("Connection: close", responses, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PipelinedRequestsThenABadLine_EarlierOnesAnsweredInOrder()
    {
        const string fake = "GET / HTTP/9.9\r\n";
        string stream = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"
            + $"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {fake.Length}\r\n\r\n{fake}"
            + "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\n\r\n"
            + "GET /echo HTTP/9.9\r\nHost: x\r\n\r\n";

        var responses = await ExchangeAsync(_guardedPort, stream);

        Assert.Equal([200, 200, 200, 400], Statuses(responses));
        Assert.Contains("len=0", responses, StringComparison.Ordinal);
        Assert.Contains($"len={fake.Length}", responses, StringComparison.Ordinal);
        Assert.Contains("len=3", responses, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeptAliveConnection_BadLineLater_Is400()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _guardedPort);
        var stream = client.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
        string first = await ReadSomeAsync(stream);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/1.1 \r\n"));
        await Task.Delay(50);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /echo HTTP/7.7\r\nHost: x\r\n\r\n"));
        string rest = await ReadToEndAsync(stream);

        Assert.Equal([200], Statuses(first));
        Assert.Equal([400], Statuses(rest));
    }

    [Fact]
    public async Task LargeBodiesAndManyRequests_PassUnchanged()
    {
        var body = new string('b', 1 << 20);
        var builder = new StringBuilder();
        for (int i = 0; i < 20; i++)
            builder.Append("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
        builder.Append($"PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");

        var responses = await ExchangeAsync(_guardedPort, builder.ToString());

        Assert.Equal(Enumerable.Repeat(200, 21), Statuses(responses));
        Assert.Contains($"len={body.Length}", responses, StringComparison.Ordinal);
    }

    private static async Task<(WebApplication App, int Port)> StartAsync(bool guard)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // As the services do it: once for every listener, before the listeners.
            if (guard)
                kestrel.UseUnknownVersionGuard();
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.Map("/echo", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            return $"len={buffer.Length}";
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        return (app, address.Port);
    }

    private static async Task<string> ExchangeAsync(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        return await ReadToEndAsync(stream);
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var all = new MemoryStream();
        await stream.CopyToAsync(all, timeout.Token);
        return Encoding.ASCII.GetString(all.ToArray());
    }

    private static async Task<string> ReadSomeAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        int n = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, n);
    }

    private static int[] Statuses(string responses) =>
        [.. responses.Split("\r\n").Where(line => line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal)).Select(line => int.Parse(line[9..12], System.Globalization.CultureInfo.InvariantCulture))];
}
