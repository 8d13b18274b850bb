using System.Globalization;
using System.Net;
using GroupCache.Http;

namespace Reliability.Tests.Partitions;

/// <summary>
/// A source and cache nodes as real processes on loopback, each node on its own address
/// (127.0.0.2, 127.0.0.3, …), with every link between them behind a <see cref="FaultProxy"/>:
/// node → node through the receiver's API and groupcache proxies, node → source through one
/// source proxy; each proxy picks the link by the connecting node's address. Clients reach the
/// nodes directly, so a partition cuts the cluster's links and never the test's own requests.
/// </summary>
internal sealed class ProxiedCluster : IDisposable
{
    private ProxiedCluster(TempDir dir, SourceNode source, FaultProxy sourceProxy, List<ProxiedNode> nodes)
    {
        Dir = dir;
        Source = source;
        SourceProxy = sourceProxy;
        Nodes = nodes;
    }

    public TempDir Dir { get; }

    public SourceNode Source { get; }

    /// <summary>Between every node and the source; a node's link is its address.</summary>
    public FaultProxy SourceProxy { get; }

    public IReadOnlyList<ProxiedNode> Nodes { get; }

    /// <summary>Every node's ring name, sorted as the rings list them.</summary>
    public string[] FullRing => [.. Nodes.Select(n => n.RingName).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Starts the source and <paramref name="count"/> nodes (each later one lists the earlier ones'
    /// API proxies as initial peers) and waits until every ring holds all of them.
    /// </summary>
    public static async Task<ProxiedCluster> StartAsync(IReadOnlyDictionary<string, string> nodeEnv, int count = 3)
    {
        var dir = new TempDir();
        var source = new SourceNode(dir.Path);
        var sourceProxy = new FaultProxy(new IPEndPoint(IPAddress.Loopback, source.Port));
        var nodes = new List<ProxiedNode>();
        var cluster = new ProxiedCluster(dir, source, sourceProxy, nodes);
        try
        {
            await source.StartAsync();
            for (int i = 0; i < count; i++)
            {
                var address = IPAddress.Parse($"127.0.0.{i + 2}");
                int apiPort = FreePort.Next(address);
                int gcPort = FreePort.Next(address);
                var apiProxy = new FaultProxy(new IPEndPoint(address, apiPort));
                var gcProxy = new FaultProxy(new IPEndPoint(address, gcPort));
                var env = new Dictionary<string, string>(nodeEnv)
                {
                    ["SELF_API_ADDR"] = apiProxy.Url,
                    ["SELF_GROUPCACHE_ADDR"] = gcProxy.Url,
                    ["OUTGOING_BIND_HOST"] = address.ToString(),
                };
                var node = new CacheNode($"node{i}", sourceProxy.Url, nodes.Select(n => n.ApiProxy.Url), env, apiPort, gcPort, address.ToString());
                nodes.Add(new ProxiedNode(node, address, apiProxy, gcProxy));
            }

            nodes.ForEach(n => n.Node.Launch());
            foreach (var node in nodes)
            {
                await Health.WaitAsync(node.Node.Process, node.ApiUrl);
            }

            await cluster.WaitRingsAsync(nodes, cluster.FullRing, TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Sets the link from <paramref name="from"/> to <paramref name="to"/> (its API and groupcache ports); the other direction is untouched.</summary>
    public void Cut(ProxiedNode from, ProxiedNode to, LinkMode mode)
    {
        to.ApiProxy.SetMode(from.Address, mode);
        to.GcProxy.SetMode(from.Address, mode);
    }

    /// <summary>Cuts <paramref name="node"/> off from every other node, both ways (the source stays reachable).</summary>
    public void Isolate(ProxiedNode node, LinkMode mode)
    {
        foreach (var other in Nodes.Where(n => n != node))
        {
            Cut(node, other, mode);
            Cut(other, node, mode);
        }
    }

    /// <summary>Sets the link from <paramref name="node"/> to the source.</summary>
    public void CutFromSource(ProxiedNode node, LinkMode mode) => SourceProxy.SetMode(node.Address, mode);

    /// <summary>Every link passes again.</summary>
    public void Heal()
    {
        foreach (var node in Nodes)
        {
            node.ApiProxy.Heal();
            node.GcProxy.Heal();
        }

        SourceProxy.Heal();
    }

    /// <summary>The member of the full ring that owns <paramref name="key"/>, computed as the nodes compute it.</summary>
    public ProxiedNode OwnerOf(string key)
    {
        using var pool = new HttpPool(Nodes[0].RingName);
        pool.SetPeers(FullRing);
        string owner = pool.OwnerOf(key)!;
        return Nodes.Single(n => n.RingName == owner);
    }

    /// <summary>Waits until every node of <paramref name="observers"/> has exactly <paramref name="ring"/> on its ring; returns how long that took.</summary>
    public async Task<TimeSpan> WaitRingsAsync(IEnumerable<ProxiedNode> observers, IReadOnlyList<string> ring, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string[] expected = [.. ring.Order(StringComparer.Ordinal)];
        bool done = await TestHttp.EventuallyAsync(
            async () =>
            {
                foreach (var node in observers)
                {
                    if (!(await node.Node.RingAsync()).SequenceEqual(expected))
                    {
                        return false;
                    }
                }

                return true;
            },
            timeout,
            TimeSpan.FromMilliseconds(50));
        Assert.True(done, $"the rings did not become [{string.Join(", ", expected)}] within {timeout}:{Environment.NewLine}{Describe()}");
        return clock.Elapsed;
    }

    /// <summary>Reads every key through every node; the value each answered (null for a non-200).</summary>
    public async Task<Dictionary<(string Node, string Key), string?>> ReadAllAsync(IEnumerable<string> keys)
    {
        var answers = new System.Collections.Concurrent.ConcurrentDictionary<(string, string), string?>();
        var reads = Nodes.SelectMany(n => keys.Select(k => (Node: n, Key: k)));
        await Parallel.ForEachAsync(reads, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (read, _) =>
        {
            var (status, body) = await read.Node.Node.GetAsync(read.Key);
            answers[(read.Node.Name, read.Key)] = status == HttpStatusCode.OK ? body.GetProperty("value").GetString() : null;
        });
        return new Dictionary<(string Node, string Key), string?>(answers);
    }

    /// <summary>
    /// Reads every key through every node, so that the load that follows measures the partition
    /// and not cold loads (each owner caches its share); fails on any value but the seeded one.
    /// </summary>
    public async Task WarmAsync(IReadOnlyList<string> keys) =>
        Assert.All(await ReadAllAsync(keys), r => Assert.Equal(Values.Of(r.Key.Key), r.Value));

    /// <summary>One freshness counter from a node's status (like "rejoinFlushes").</summary>
    public static async Task<long> FreshnessAsync(ProxiedNode node, string name) =>
        (await node.Node.StatusAsync()).GetProperty("freshness").GetProperty(name).GetInt64();

    /// <summary>Each process's recent output, for failure messages.</summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        foreach (var node in Nodes)
        {
            string output = node.Node.Process.Output;
            text.AppendLine(CultureInfo.InvariantCulture, $"--- {node.Name} {node.Address} (ring name {node.RingName}, pid {node.Node.Process.Pid})");
            text.AppendLine(output.Length > 3000 ? output[^3000..] : output);
        }

        return text.ToString();
    }

    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        SourceProxy.Dispose();
        Source.Dispose();
        Dir.Dispose();
    }
}
