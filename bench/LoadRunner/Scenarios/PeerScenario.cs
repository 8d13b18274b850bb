using GroupCache.ConsistentHash;
using LoadRunner.Infrastructure;
using LoadRunner.Systems;

namespace LoadRunner.Scenarios;

/// <summary>
/// Two nodes; 1,000 keys all owned by node B; every request goes to node A, whose cache budget of one
/// byte keeps nothing, so every request crosses to B over the peer protocol.
/// </summary>
public sealed class PeerScenario : IScenario
{
    /// <summary>Virtual nodes per peer: groupcache's HTTPPool default, used by both systems.</summary>
    private const int Replicas = 50;

    public string Name => "peer";

    public async Task RunAsync(BenchContext context)
    {
        for (int round = 1; round <= context.Options.Rounds; round++)
        {
            foreach (var system in WithTunedGo(context.InOrder(round), context.Options.Connections))
            {
                await using var cluster = await system.StartAsync("peer", [new NodeSpec(1), new NodeSpec(64L << 20)]);
                var a = cluster.Nodes[0];
                var b = cluster.Nodes[1];

                // Ownership as both systems compute it: the same ring over the same names in the same order.
                var ring = new HashRing(Replicas);
                ring.Add(cluster.Peers);
                var owned = Enumerable.Range(0, KeySpace.PeerCandidates).Select(KeySpace.Peer)
                    .Where(k => ring.Get(k) == b.GroupCacheAddr).Take(KeySpace.PeerKeys).ToArray();
                if (owned.Length < KeySpace.PeerKeys)
                {
                    throw new InvalidOperationException($"only {owned.Length} of {KeySpace.PeerCandidates} candidate keys belong to B");
                }

                if (system is GoSystem)
                {
                    await CheckGoOwnerAsync(a, b, owned.Take(20));
                }

                string keys = context.WriteKeyFile($"peer-keys-{system.Name}-{round}.txt", owned);
                int failed = await Http.GetEachAsync([.. owned.Select(a.DataUrl)], 32);
                if (failed != 0)
                {
                    throw new InvalidOperationException($"{system.Name}: {failed} peer warm-up requests failed");
                }

                await context.Wrk.RunKeysAsync(a.DataPrefix, "uniform", keys, context.Options.Warmup);
                var (beforeA, beforeB) = (await system.StatsAsync(a), await system.StatsAsync(b));
                var m = await context.MeasureAsync("peer", system.Name, round, [a.Process.Pid, b.Process.Pid],
                    () => context.Wrk.RunKeysAsync(a.DataPrefix, "uniform", keys, context.Options.Duration));
                var sa = await system.StatsAsync(a);
                var sb = await system.StatsAsync(b);
                m.Extra["a_source_loads"] = sa.SourceLoads;
                GcFigures.Add(m, [beforeA, beforeB], [sa, sb]);
                m.Extra["a_peer_loads"] = sa.PeerLoads;
                m.Extra["a_cached_items"] = sa.MainItems + sa.HotItems;
                m.Extra["a_peer_errors"] = sa.PeerErrors;
                m.Extra["b_source_loads"] = sb.SourceLoads;
                if (system is GoSystem { PeerIdleConns: { } idle })
                {
                    m.Extra["go_peer_idle_conns"] = idle;
                }

                context.Record(m);
                if (sa.SourceLoads != 0 || sb.SourceLoads != KeySpace.PeerKeys)
                {
                    context.Note($"peer {system.Name} round {round}: A loaded {sa.SourceLoads} and B {sb.SourceLoads} from the source; expected 0 and {KeySpace.PeerKeys}");
                }

                if (sa.PeerLoads < m.Requests * 0.95)
                {
                    context.Note($"peer {system.Name} round {round}: only {sa.PeerLoads} peer loads on A for {m.Requests} requests: A served some from its own cache");
                }
            }
        }
    }

    /// <summary>
    /// The systems, with Go twice: as groupcache leaves it (two idle connections per peer, so most
    /// of wrk's connections make node A open a new connection to B for each fetch) and tuned to keep
    /// one idle connection per wrk connection, the strongest Go anchor for this path.
    /// </summary>
    public static IEnumerable<ICacheSystem> WithTunedGo(IEnumerable<ICacheSystem> systems, int connections)
    {
        foreach (var system in systems)
        {
            yield return system;
            if (system is GoSystem { PeerIdleConns: null } go)
            {
                yield return go.Tuned(connections);
            }
        }
    }

    /// <summary>Go's /owner tells which peer its HTTPPool picks; it must agree with our HashRing.</summary>
    private static async Task CheckGoOwnerAsync(CacheNode a, CacheNode b, IEnumerable<string> keys)
    {
        foreach (string key in keys)
        {
            string owner = await Http.Client.GetStringAsync($"{a.ApiUrl}/owner?key={Uri.EscapeDataString(key)}");
            if (owner.Trim() != b.GroupCacheAddr)
            {
                throw new InvalidOperationException($"ring mismatch: Go says {key} belongs to {owner}, HashRing says {b.GroupCacheAddr}");
            }
        }
    }
}
