namespace CacheApp.Tests.Support;

/// <summary>A source and cache nodes as real processes on 127.0.0.1, in the seed's cluster shape.</summary>
internal sealed class TestCluster : IDisposable
{
    private TestCluster(TempDir dir, SourceNode source, IReadOnlyList<CacheNode> nodes)
    {
        Dir = dir;
        Source = source;
        Nodes = nodes;
    }

    public TempDir Dir { get; }

    public SourceNode Source { get; }

    public IReadOnlyList<CacheNode> Nodes { get; }

    /// <summary>
    /// Starts the source and <paramref name="count"/> nodes as the seed's example does: the first with
    /// no initial peers, each later one listing the ones before it. Waits until the ring converged.
    /// </summary>
    public static async Task<TestCluster> StartAsync(int count = 3, IReadOnlyDictionary<string, string>? extraEnv = null)
    {
        var dir = new TempDir();
        var source = new SourceNode(dir.Path);
        var nodes = new List<CacheNode>();
        var cluster = new TestCluster(dir, source, nodes);
        try
        {
            await source.StartAsync();
            for (int i = 0; i < count; i++)
            {
                nodes.Add(new CacheNode($"node{i}", source.Url, nodes.Select(n => n.ApiUrl), extraEnv));
            }

            foreach (var node in nodes)
            {
                node.Launch();
            }

            foreach (var node in nodes)
            {
                await Health.WaitAsync(node.Process, node.ApiUrl);
            }

            await cluster.WaitConvergedAsync(nodes, TimeSpan.FromSeconds(20));
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Waits until every node of <paramref name="members"/> lists exactly them as alive and on its ring.</summary>
    public async Task WaitConvergedAsync(IReadOnlyCollection<CacheNode> members, TimeSpan timeout)
    {
        string[] expected = [.. members.Select(n => n.GcAddr).Order(StringComparer.Ordinal)];
        bool converged = await TestHttp.EventuallyAsync(
            async () =>
            {
                foreach (var node in members)
                {
                    if (!(await node.MembersAsync("alive")).SequenceEqual(expected) || !(await node.RingAsync()).SequenceEqual(expected))
                    {
                        return false;
                    }
                }

                return true;
            },
            timeout);
        Assert.True(converged, $"the ring did not converge to [{string.Join(", ", expected)}] within {timeout}:{Environment.NewLine}{await DescribeAsync()}");
    }

    /// <summary>Each node's view and recent output, for failure messages.</summary>
    public async Task<string> DescribeAsync()
    {
        var text = new System.Text.StringBuilder();
        foreach (var node in Nodes)
        {
            text.AppendLine($"--- {node.Name} {node.ApiUrl} / {node.GcAddr}");
            try
            {
                text.AppendLine((await node.PeersAsync()).ToString());
            }
            catch (HttpRequestException ex)
            {
                text.AppendLine("peers: " + ex.Message);
            }

            string output = node.Process.Output;
            text.AppendLine(output.Length > 3000 ? output[^3000..] : output);
        }

        return text.ToString();
    }

    public async Task<long> SumStatAsync(string name)
    {
        long sum = 0;
        foreach (var node in Nodes)
        {
            sum += await node.StatAsync(name);
        }

        return sum;
    }

    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        Source.Dispose();
        Dir.Dispose();
    }
}

/// <summary>The same cluster for every test of a class (xunit class fixture).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private TestCluster? _cluster;

    internal TestCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    // These tests count source loads: a generous dead-after keeps a starved CI machine from
    // flapping the ring (and loading a key twice) in the middle of a count.
    public async Task InitializeAsync() =>
        _cluster = await TestCluster.StartAsync(3, new Dictionary<string, string> { ["MEMBER_DEAD_AFTER"] = "15s" });

    public Task DisposeAsync()
    {
        _cluster?.Dispose();
        return Task.CompletedTask;
    }
}
