using CacheApp.Cluster;
using CacheApp.Configuration;
using CacheApp.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CacheApp.Tests.Cluster;

public class MembershipServiceTests
{
    private const string SelfApi = "http://127.0.0.1:9000";
    private const string SelfGc = "http://127.0.0.1:9001";
    private const string OtherApi = "http://127.0.0.1:9002";
    private const string OtherGc = "http://127.0.0.1:9003";

    private sealed class FakeRing : IPeerRing
    {
        private readonly List<string[]> _calls = [];

        /// <summary>Calls that throw before they are recorded (a defect somewhere in a round).</summary>
        public int FailNext { get; set; }

        public List<string[]> Calls
        {
            get
            {
                lock (_calls)
                {
                    return [.. _calls];
                }
            }
        }

        public void SetPeers(IEnumerable<string> peers)
        {
            lock (_calls)
            {
                if (FailNext > 0)
                {
                    FailNext--;
                    throw new InvalidOperationException("a defect in this round");
                }

                _calls.Add([.. peers]);
            }
        }
    }

    private readonly ManualTime _time = new();
    private readonly FakeRing _ring = new();

    private MembershipService Service(out MemberTable table, ILogger<MembershipService>? logger = null)
    {
        var settings = SettingsLoader.Load(n => n switch { "SELF_HOST" => "127.0.0.1", "API_PORT" => "9000", "GROUPCACHE_PORT" => "9001", _ => null }, () => "unused");
        table = new MemberTable(SelfApi, SelfGc, 1, _time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(1), 256);
        return new MembershipService(settings, table, _ring, new ClusterClient(null), logger ?? NullLogger<MembershipService>.Instance, _time);
    }

    private static ClusterMessage From(long heartbeat) =>
        new(OtherGc, [new MemberDigest(OtherApi, OtherGc, 5, heartbeat, false, 0)]);

    [Fact]
    public async Task Rounds_OneThatThrows_IsLoggedOnce_AndTheNextRoundsGoOn()
    {
        var logger = new RecordingLogger<MembershipService>();
        using var service = Service(out var table, logger);
        await service.StartAsync(CancellationToken.None);
        try
        {
            // The table changes outside a round; the rounds' publishing of it fails three times.
            _ring.FailNext = 3;
            table.Merge([new MemberDigest(OtherApi, OtherGc, 5, 1, false, 0)]);

            bool published = await TestHttp.EventuallyAsync(
                () => Task.FromResult(_ring.Calls.Any(c => c.SequenceEqual([SelfGc, OtherGc]))),
                TimeSpan.FromSeconds(10));

            Assert.True(published, "the rounds stopped after the failures");
            Assert.False(service.ExecuteTask!.IsCompleted);
            Assert.Single(logger.Entries, e => e.EventId == 107 && e.Exception is InvalidOperationException);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void New_PublishesARingOfItself()
    {
        Service(out _);

        Assert.Equal([SelfGc], Assert.Single(_ring.Calls));
    }

    [Fact]
    public void Receive_NewMember_PublishesTheRingOnceAndAnswersWithTheTable()
    {
        var service = Service(out _);

        var answer = service.Receive(From(1));
        service.Receive(From(2));

        Assert.Equal(2, _ring.Calls.Count);
        Assert.Equal([SelfGc, OtherGc], _ring.Calls[1]);
        Assert.Equal(SelfGc, answer.From);
        Assert.Equal(2, answer.Members.Count);
        Assert.Equal([SelfGc, OtherGc], service.Ring);
    }

    [Fact]
    public void Publish_SuspicionNotRefutedWithinDeadAfter_DropsTheMember()
    {
        var service = Service(out var table);
        service.Receive(From(1));
        service.Receive(new ClusterMessage(SelfGc, [new MemberDigest(OtherApi, OtherGc, 5, 1, false, 0, "suspect")]));
        Assert.Equal([SelfGc, OtherGc], _ring.Calls[^1]);

        // Heard of, not suspected here: a few suspicion timeouts.
        _time.Advance(table.SuspicionTimeout * (MemberTable.HeardOfSuspicionFactor - 1));
        table.Tick();
        service.Publish();
        Assert.Equal([SelfGc, OtherGc], _ring.Calls[^1]);

        _time.Advance(table.SuspicionTimeout);
        table.Tick();
        service.Publish();

        Assert.Equal([SelfGc], _ring.Calls[^1]);
    }

    [Fact]
    public void Receive_LeaveMessage_DropsTheMemberAtOnce()
    {
        var service = Service(out var table);
        service.Receive(From(1));

        service.Receive(new ClusterMessage(OtherGc, [new MemberDigest(OtherApi, OtherGc, 5, 2, true, 0)]));

        Assert.Equal([SelfGc], _ring.Calls[^1]);
        Assert.Equal(MemberState.Left, table.View().Single(v => !v.IsSelf).State);
    }
}
