using System.Net;
using System.Net.Sockets;
using CacheApp.Cluster;
using CacheApp.Configuration;
using CacheApp.Dashboard;
using CacheApp.Source;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CacheApp.Tests;

/// <summary>Defects found by the audit of the cache service, each shown by a test that failed before its fix.</summary>
public class AuditAppTests
{
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(3);

    private static string Api(int n) => $"http://127.0.0.1:{9000 + (2 * n)}";

    private static string Gc(int n) => $"http://127.0.0.1:{9001 + (2 * n)}";

    private static MemberDigest Alive(int n) => new(Api(n), Gc(n), 1, 0, false, 0, "alive");

    private static MemberTable Table(SteppingClock time) =>
        new(Api(0), Gc(0), 1, time, Round, DeadAfter, TimeSpan.FromMinutes(10), 256);

    private static MemberState StateOf(MemberTable table, int n) => table.View().Single(v => v.GroupCacheAddr == Gc(n)).State;

    // The wall clock stepped back an hour (NTP, an operator, a VM resynchronised) while member 1
    // was suspected: its suspicion must still end after the suspicion timeout, not an hour later.
    [Fact]
    public void MemberTable_WallClockSteppedBack_SuspicionStillEndsOnTime()
    {
        var time = new SteppingClock();
        var table = Table(time);
        table.Merge([Alive(1), Alive(2)]);
        Assert.NotNull(table.Suspect(Gc(1)));

        time.Now -= TimeSpan.FromHours(1);
        Assert.Empty(table.Tick()); // the node's rounds go on through the step
        time.Now += DeadAfter + Round;
        var deaths = table.Tick();

        Assert.Contains(deaths, d => d.GroupCacheAddr == Gc(1));
        Assert.Equal(MemberState.Dead, StateOf(table, 1));
    }

    // The same step back while a probe is under way: the node must go on probing, and a member
    // that answers nothing must be declared dead within seconds, not once the clock caught up.
    [Fact]
    public void SwimProtocol_WallClockSteppedBack_KeepsProbingAndDeclaresTheSilentMemberDead()
    {
        var time = new SteppingClock();
        var table = Table(time);
        table.Merge([Alive(1)]);
        var protocol = new SwimProtocol(table, new SwimOptions { ProbeInterval = Round }, time, new Random(1), [], new MembershipStats());
        Assert.Contains(protocol.Tick(), o => o.Verb == "ping");

        time.Now -= TimeSpan.FromHours(1);
        int pings = 0;
        for (int i = 0; i < 100; i++) // 10 s in ticks of 100 ms; member 1 never answers
        {
            time.Now += TimeSpan.FromMilliseconds(100);
            pings += protocol.Tick().Count(o => o.Verb == "ping");
        }

        Assert.True(pings >= 3, $"{pings} pings in 10 s after the step back");
        Assert.Equal(MemberState.Dead, StateOf(table, 1));
    }

    // A node that joined during a partition longer than MEMBER_FORGET_AFTER learnt of member 1 only
    // as dead (from a page), and forgot it. Member 1 was alive on the other side all along, and what
    // was written through it there did not invalidate this node. When it comes back with the same
    // life, this node must flush, as the nodes that held it alive do (docs/RELIABILITY.md, (f)).
    [Fact]
    public void MemberTable_MemberOnlyHeardOfAsDead_ForgottenThenBackWithTheSameLife_IsReportedAsRejoined()
    {
        var time = new SteppingClock();
        var table = Table(time);
        table.Merge([new MemberDigest(Api(1), Gc(1), 1, 5, false, 0, "dead")]);
        time.Now += TimeSpan.FromMinutes(10);
        table.Tick();
        Assert.DoesNotContain(table.View(), v => v.GroupCacheAddr == Gc(1));

        table.Merge([new MemberDigest(Api(1), Gc(1), 1, 6, false, 0, "alive")]);

        Assert.Equal([Gc(1)], table.TakeRejoined());
        Assert.Empty(table.ForgottenDead()); // still never pinged: this node did not hold it alive
    }

    // Member 1 stopped, and another node (groupcache address Gc(5)) now listens at its API address
    // (a port reused on the host, a pod's IP given to another pod). Its answers to the pings meant
    // for member 1 are its own, not member 1's: member 1 must still be found dead.
    [Fact]
    public void SwimProtocol_AnotherNodeAnswersAtADeadMembersApiAddress_TheMemberIsStillDeclaredDead()
    {
        var time = new SteppingClock();
        var table = Table(time);
        table.Merge([Alive(1)]);
        var protocol = new SwimProtocol(table, new SwimOptions { ProbeInterval = Round }, time, new Random(1), [], new MembershipStats());
        var stranger = new MemberDigest(Api(1), Gc(5), 1, 0, false, 0, "alive");

        for (int i = 0; i < 100; i++) // 10 s in ticks of 100 ms
        {
            foreach (var request in protocol.Tick().Where(o => o.Verb == "ping" && o.ToApi == Api(1)))
            {
                var answer = new ClusterMessage(Gc(5), [stranger], Api(1), Seq: request.Message.Seq);
                protocol.Answered(request, answer, []);
            }

            time.Now += TimeSpan.FromMilliseconds(100);
        }

        Assert.Equal(MemberState.Dead, StateOf(table, 1));
    }

    // A broken source answers /health with 200 and a 256 MB body. The check needs the status only:
    // it must not read (and buffer) the body, which the default client would do up to 2 GB.
    [Fact]
    public async Task SourceHealth_SourceAnswersHealthWithAHugeBody_IsNotReadWhole()
    {
        const long BodyBytes = 256L << 20;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        long sent = 0;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            byte[] request = new byte[4096];
            _ = await stream.ReadAsync(request);
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {BodyBytes}\r\nContent-Type: text/plain\r\n\r\n"));
            byte[] chunk = new byte[64 * 1024];
            try
            {
                while (sent < BodyBytes)
                {
                    await stream.WriteAsync(chunk);
                    sent += chunk.Length;
                }
            }
            catch (IOException)
            {
                // The node closed the connection: what it did not want was not sent.
            }
        });

        var settings = new CacheAppSettings
        {
            SelfHost = "127.0.0.1",
            NodeName = "audit",
            SelfApiAddr = "http://127.0.0.1:1",
            SelfGroupCacheAddr = "http://127.0.0.1:2",
            SourceUrl = $"http://127.0.0.1:{port}",
            SourceTimeout = TimeSpan.FromSeconds(20),
            SourceHealthInterval = TimeSpan.FromHours(1),
        };
        using var http = SourceHttp.For(settings);
        using var health = new SourceHealth(http.Client, settings, TimeProvider.System, NullLogger<SourceHealth>.Instance);
        await health.StartAsync(CancellationToken.None);
        for (int i = 0; i < 400 && health.Last.CheckedAt is null; i++)
        {
            await Task.Delay(50);
        }

        await health.StopAsync(CancellationToken.None);
        http.Client.Dispose(); // ends the server's writes, whichever way the check went
        await server.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(health.Last.Healthy, health.Last.Error);
        Assert.True(sent < 64L << 20, $"{sent >> 20} MiB of the health answer's body were read");
    }

    // The cluster view is shared for half a second. After the wall clock stepped back an hour it
    // must still be collected afresh once that half second is over, not an hour later.
    [Fact]
    public async Task ClusterView_WallClockSteppedBack_IsStillCollectedAfresh()
    {
        var time = new SteppingClock();
        var settings = new CacheAppSettings
        {
            SelfHost = "127.0.0.1",
            NodeName = "audit",
            SelfApiAddr = "http://127.0.0.1:1",
            SelfGroupCacheAddr = "http://127.0.0.1:2",
            SourceUrl = "http://127.0.0.1:3",
            StaticPeers = ["http://127.0.0.1:2"],
            GroupName = "audit-view-" + Guid.NewGuid().ToString("N"),
        };
        var services = new ServiceCollection().AddLogging();
        services.AddCacheNode(settings);
        services.AddSingleton<TimeProvider>(time);
        await using var provider = services.BuildServiceProvider();
        var view = provider.GetRequiredService<ClusterView>();

        var first = await view.GetAsync();
        time.Now -= TimeSpan.FromHours(1);
        time.Now += TimeSpan.FromSeconds(2);
        var second = await view.GetAsync();

        Assert.NotSame(first, second);
    }

    /// <summary>A wall clock a test can step either way.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
