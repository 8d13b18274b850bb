using LoadRunner.Infrastructure;
using ServiceTesting;

namespace LoadRunner.Systems;

/// <summary>Ports and start-up shared by both systems: every node is started, then all are awaited.</summary>
internal static class StartHelper
{
    public sealed record Ports(int Api, int GroupCache)
    {
        public string ApiUrl => $"http://127.0.0.1:{Api}";

        public string GroupCacheAddr => $"http://127.0.0.1:{GroupCache}";
    }

    public static Ports[] Allocate(int count) => [.. Enumerable.Range(0, count).Select(_ => new Ports(FreePort.Next(), FreePort.Next()))];

    public static async Task<CacheCluster> StartAllAsync(ICacheSystem system, Ports[] ports, Func<int, ChildProcess> start)
    {
        var processes = new List<ChildProcess>();
        try
        {
            for (int i = 0; i < ports.Length; i++)
            {
                processes.Add(start(i));
            }

            var nodes = new CacheNode[ports.Length];
            for (int i = 0; i < ports.Length; i++)
            {
                var startup = await Http.WaitHealthyAsync($"{ports[i].ApiUrl}/health", processes[i], TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                nodes[i] = new CacheNode(ports[i].ApiUrl, ports[i].GroupCacheAddr, processes[i], startup);
            }

            return new CacheCluster(system, nodes);
        }
        catch
        {
            foreach (var p in processes)
            {
                await p.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }
}
