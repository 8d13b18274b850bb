using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Reliability.Tests.Partitions;

/// <summary>The fault-injection proxy itself, in front of an echo server: each mode, per link, and switched while connections live.</summary>
public sealed class FaultProxyTests : IDisposable
{
    private static readonly IPAddress NodeA = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress NodeB = IPAddress.Parse("127.0.0.3");
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(10); // generous: the machine is shared
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(700); // how long "no answer" is watched
    private static readonly byte[] Ping = Encoding.ASCII.GetBytes("ping-0123456789"); // 15 bytes

    private readonly EchoServer _echo = new();
    private readonly FaultProxy _proxy;

    public FaultProxyTests()
    {
        _proxy = new FaultProxy(_echo.EndPoint);
    }

    [Fact]
    public async Task Pass_Default_BytesGoBothWays()
    {
        using var client = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeA);

        AssertEchoed(await RoundTripAsync(client));
    }

    [Fact]
    public async Task Refuse_NewConnection_IsResetAndNeverReachesTheTarget()
    {
        _proxy.SetDefault(LinkMode.Refuse);
        ReadEnd end;
        try
        {
            using var client = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeA);
            var (readEnd, data) = await client.ReadAsync(1, Answer);
            Assert.Empty(data);
            end = readEnd;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            end = ReadEnd.Reset; // the reset came before the connect call returned
        }

        Assert.Equal(ReadEnd.Reset, end);
        Assert.Equal(0, _echo.Accepted);
        Assert.Equal(1, _proxy.Refused);
    }

    [Fact]
    public async Task Refuse_SwitchedOnALiveConnection_ResetsIt()
    {
        using var client = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeA);
        Assert.Equal(ReadEnd.Complete, (await RoundTripAsync(client)).End);

        _proxy.SetDefault(LinkMode.Refuse);

        Assert.Equal(ReadEnd.Reset, (await client.ReadAsync(1, Answer)).End);
        Assert.True(await TestHttp.EventuallyAsync(() => Task.FromResult(_proxy.OpenConnections == 0), Answer));
    }

    [Fact]
    public async Task Blackhole_NewConnection_AcceptsNeverAnswersNeverClosesThenDeliversOnHeal()
    {
        _proxy.SetDefault(LinkMode.Blackhole);
        using var client = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeA);
        await client.SendAsync(Ping);

        var silent = await client.ReadAsync(Ping.Length, Quiet);
        Assert.Equal(ReadEnd.Silent, silent.End);
        Assert.Empty(silent.Data);
        Assert.Equal(0, _echo.Accepted);

        // Healed, the held bytes go through, as TCP's retransmissions would deliver them.
        _proxy.Heal();
        AssertEchoed(await ReadAllAsync(client));
    }

    [Fact]
    public async Task Blackhole_SwitchedOnALiveConnection_HoldsItsTrafficUntilItPassesAgain()
    {
        using var client = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeA);
        Assert.Equal(ReadEnd.Complete, (await RoundTripAsync(client)).End);

        _proxy.SetDefault(LinkMode.Blackhole);
        await client.SendAsync(Ping);
        Assert.Equal(ReadEnd.Silent, (await client.ReadAsync(Ping.Length, Quiet)).End);

        _proxy.SetDefault(LinkMode.Pass);
        AssertEchoed(await ReadAllAsync(client));
        Assert.Equal(1, _echo.Accepted);
    }

    [Fact]
    public async Task Delay_EachDirection_AddsTheDelay()
    {
        var delay = TimeSpan.FromMilliseconds(300);
        using var client = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeA);
        Assert.Equal(ReadEnd.Complete, (await RoundTripAsync(client)).End); // connected and warm

        _proxy.SetDefault(LinkMode.Delayed(delay));
        var clock = Stopwatch.StartNew();
        var echoed = await RoundTripAsync(client);

        AssertEchoed(echoed);
        Assert.True(clock.Elapsed >= 2 * delay - TimeSpan.FromMilliseconds(20), $"round trip {clock.Elapsed.TotalMilliseconds} ms, expected at least {2 * delay.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task ResetAfter_Budget_ForwardsThatManyBytesThenResetsBothSides()
    {
        // 15 bytes out and 5 of the 15 echoed make 20.
        _proxy.SetDefault(LinkMode.ResetAfterBytes(20));
        using var client = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeA);
        await client.SendAsync(Ping);

        var (end, data) = await client.ReadAsync(Ping.Length, Answer);

        Assert.Equal(ReadEnd.Reset, end);
        Assert.Equal(Ping[..5], data);
    }

    [Fact]
    public async Task ResetAfter_SwitchedOnALiveConnection_CountsFromTheSwitch()
    {
        using var client = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeA);
        Assert.Equal(ReadEnd.Complete, (await RoundTripAsync(client)).End); // 30 bytes before the switch

        _proxy.SetDefault(LinkMode.ResetAfterBytes(40));
        AssertEchoed(await RoundTripAsync(client)); // 30 of the 40
        await client.SendAsync(Ping);

        Assert.Equal(ReadEnd.Reset, (await client.ReadAsync(1, Answer)).End);
    }

    [Fact]
    public async Task SetMode_OneSender_OnlyThatLinkIsCut()
    {
        _proxy.SetMode(NodeA, LinkMode.Blackhole);
        using var fromA = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeA);
        using var fromB = await ProxyClient.ConnectAsync(_proxy.EndPoint, NodeB);

        var a = RoundTripAsync(fromA, Quiet);
        var b = RoundTripAsync(fromB);

        AssertEchoed(await b);
        Assert.Equal(ReadEnd.Silent, (await a).End);

        _proxy.SetMode(NodeB, LinkMode.Refuse);
        _proxy.SetMode(NodeA, LinkMode.Pass);
        AssertEchoed(await ReadAllAsync(fromA));
        Assert.Equal(ReadEnd.Reset, (await fromB.ReadAsync(1, Answer)).End);
    }

    public void Dispose()
    {
        _proxy.Dispose();
        _echo.Dispose();
    }

    private static async Task<(ReadEnd End, byte[] Data)> RoundTripAsync(ProxyClient client, TimeSpan? timeout = null)
    {
        await client.SendAsync(Ping);
        return await client.ReadAsync(Ping.Length, timeout ?? Answer);
    }

    private static void AssertEchoed((ReadEnd End, byte[] Data) result)
    {
        Assert.Equal(ReadEnd.Complete, result.End);
        Assert.Equal(Ping, result.Data);
    }

    private static Task<(ReadEnd End, byte[] Data)> ReadAllAsync(ProxyClient client) => client.ReadAsync(Ping.Length, Answer);
}
