using System.Collections.Concurrent;

namespace CacheApp.Dashboard;

/// <summary>The page's files, embedded in the assembly (Dashboard/Assets/*), read once.</summary>
internal static class DashboardAssets
{
    private static readonly ConcurrentDictionary<string, byte[]> Cache = new(StringComparer.Ordinal);

    public static byte[] Get(string name) => Cache.GetOrAdd(name, Load);

    private static byte[] Load(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("CacheApp.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"the dashboard asset {name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
