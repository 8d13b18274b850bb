using System.Collections;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GroupCache.Http.Tests.Hosting;

/// <summary>The hosted service's watch of a peer source: a set the pool cannot take ends neither the watch nor the ring.</summary>
public class PeerSourceWatchTests
{
    private const string Self = "http://127.0.0.1:5001";

    /// <summary>Pushes the peer sets a test gives it.</summary>
    private sealed class ChannelPeerSource : IPeerSource
    {
        public Channel<IReadOnlyCollection<string>> Sets { get; } = Channel.CreateUnbounded<IReadOnlyCollection<string>>();

        public IAsyncEnumerable<IReadOnlyCollection<string>> WatchAsync(CancellationToken cancellationToken) => Sets.Reader.ReadAllAsync(cancellationToken);
    }

    /// <summary>
    /// A set that throws while the pool reads it, as a source's live collection does when it is
    /// changed meanwhile: not a <see cref="FormatException"/>, which a bad address would be.
    /// </summary>
    private sealed class ChangedWhileReadPeerSet : IReadOnlyCollection<string>
    {
        public int Count => 1;

        public IEnumerator<string> GetEnumerator() => throw new InvalidOperationException("Collection was modified; enumeration operation may not execute.");

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public async Task Watch_SetWhoseReadingThrows_KeepsWatchingLogsOnceAndTakesTheNextGoodSet()
    {
        using var pool = new HttpPool(Self);
        pool.SetPeers([Self, "http://127.0.0.1:5002"]);
        var source = new ChannelPeerSource();
        var logger = new RecordingLogger<GroupCacheHostedService>();
        await using var services = new ServiceCollection()
            .AddSingleton(pool)
            .AddSingleton(new GroupRegistry())
            .AddSingleton<IPeerSource>(source)
            .BuildServiceProvider();
        var watcher = new GroupCacheHostedService(services, logger);
        await watcher.StartAsync(CancellationToken.None);

        await source.Sets.Writer.WriteAsync(new ChangedWhileReadPeerSet());
        await source.Sets.Writer.WriteAsync(new ChangedWhileReadPeerSet()); // the same failure again: not logged again
        await AddGroupCacheTests.PollAsync(() => source.Sets.Reader.Count == 0);
        Assert.Equal([Self, "http://127.0.0.1:5002"], pool.Peers); // the last ring stays meanwhile
        await source.Sets.Writer.WriteAsync([Self, "http://127.0.0.1:5003"]);
        await AddGroupCacheTests.PollAsync(() => pool.Peers.Contains("http://127.0.0.1:5003"));
        await watcher.StopAsync(CancellationToken.None);

        Assert.Equal([Self, "http://127.0.0.1:5003"], pool.Peers);
        var failure = Assert.Single(logger.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(1104, failure.EventId);
        Assert.IsType<InvalidOperationException>(failure.Exception);
    }
}
