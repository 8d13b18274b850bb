namespace ServiceTesting;

/// <summary>A source and cache nodes as real processes on 127.0.0.1, in the seed's cluster shape.</summary>
public sealed class TestCluster : IDisposable
{
    private TestCluster(TempDir dir, SourceNode source, List<CacheNode> nodes)
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
    public static async Task<TestCluster> StartAsync(int count = 3, IReadOnlyDictionary<string, string>? nodeEnv = null, IEnumerable<string>? sourceArgs = null)
    {
        var dir = new TempDir();
        var source = new SourceNode(dir.Path, sourceArgs);
        var nodes = new List<CacheNode>();
        var cluster = new TestCluster(dir, source, nodes);
        try
        {
            // The source is up before the nodes start, so that no node begins with it marked down.
            await source.StartAsync();
            for (int i = 0; i < count; i++)
            {
                nodes.Add(new CacheNode($"node{i}", source.Url, nodes.Select(n => n.ApiUrl), nodeEnv));
            }

            nodes.ForEach(n => n.Launch());
            foreach (var node in nodes)
            {
                await Health.WaitAsync(node.Process, node.ApiUrl);
            }

            await cluster.WaitConvergedAsync(nodes, TimeSpan.FromSeconds(30));
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

    /// <summary>Waits until every node of <paramref name="observers"/> has exactly <paramref name="members"/> on its ring; returns how long that took.</summary>
    public async Task<TimeSpan> WaitRingAsync(IEnumerable<CacheNode> observers, IEnumerable<CacheNode> members, TimeSpan timeout)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        string[] expected = Rings.Of(members);
        bool done = await Rings.WaitAsync(observers, expected, timeout, TimeSpan.FromMilliseconds(50));
        Assert.True(done, $"the ring did not become [{string.Join(", ", expected)}] within {timeout}:{Environment.NewLine}{Describe()}");
        return started.Elapsed;
    }

    /// <summary>Each process's recent output, for failure messages.</summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        foreach (var process in Nodes.Select(n => n.Process).Append(Source.Process))
        {
            string output = process.Output;
            text.AppendLine($"--- {process.Name} (pid {process.Pid}, exited: {process.HasExited})");
            text.AppendLine(output.Length > 2000 ? output[^2000..] : output);
        }

        return text.ToString();
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

    public Task SeedAsync(IEnumerable<string> keys) => SeedAsync(Source.Url, keys);

    /// <summary>Writes each key's <see cref="Values.Of"/> value at the source.</summary>
    public static async Task SeedAsync(string sourceUrl, IEnumerable<string> keys)
    {
        // A few writers at once: the source commits them in groups.
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, _) =>
            await TestHttp.PutValueAsync(sourceUrl, key, Values.Of(key)));
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

/// <summary>The value every test stores under a key, so that a wrong answer is recognisable.</summary>
public static class Values
{
    public static string Of(string key) => $"value of {key} ✓";

    public static IReadOnlyList<string> Keys(string prefix, int count) => [.. Enumerable.Range(0, count).Select(i => $"{prefix}{i}")];
}
