namespace ServiceTesting;

/// <summary>Waiting for nodes' rings to agree, as the membership and discovery tests do.</summary>
public static class Rings
{
    /// <summary>The ring that holds exactly <paramref name="members"/>: their groupcache addresses in the order a node lists its ring.</summary>
    public static string[] Of(IEnumerable<CacheNode> members) => [.. members.Select(n => n.GcAddr).Order(StringComparer.Ordinal)];

    /// <summary>Polls until every one of <paramref name="observers"/> shows exactly <paramref name="expected"/>; false at the timeout.</summary>
    public static Task<bool> WaitAsync(IEnumerable<CacheNode> observers, string[] expected, TimeSpan timeout, TimeSpan poll) =>
        TestHttp.EventuallyAsync(
            async () =>
            {
                foreach (var node in observers)
                {
                    if (!(await node.RingAsync()).SequenceEqual(expected))
                    {
                        return false;
                    }
                }

                return true;
            },
            timeout,
            poll);
}
