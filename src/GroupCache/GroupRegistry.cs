using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using GroupCache.Diagnostics;
using GroupCache.Peers;

namespace GroupCache;

/// <summary>The groups of one node, by name. An instance, not a global: services hold one as a singleton.</summary>
public sealed class GroupRegistry
{
    private readonly ConcurrentDictionary<string, Group> _groups = new(StringComparer.Ordinal);

    /// <param name="meterFactory">
    /// The host's meter factory (dependency injection passes it): the groups report through its
    /// <c>GroupCache</c> meter. Without one they report through <see cref="GroupCacheMetrics.Shared"/>.
    /// </param>
    public GroupRegistry(IMeterFactory? meterFactory = null) => Metrics = GroupCacheMetrics.For(meterFactory);

    /// <summary>Where this registry's groups report their metrics.</summary>
    public GroupCacheMetrics Metrics { get; }

    /// <summary>A snapshot of the registered groups.</summary>
    public IReadOnlyCollection<Group> Groups => [.. _groups.Values];

    /// <summary>Registers <paramref name="group"/>; a second group of the same name is an error.</summary>
    public Group Add(Group group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (!_groups.TryAdd(group.Name, group))
        {
            throw new InvalidOperationException($"A group named '{group.Name}' is already registered.");
        }

        group.UseMetrics(Metrics);

        return group;
    }

    /// <summary>Creates and registers a group (Go's <c>NewGroup</c>).</summary>
    public Group NewGroup(string name, long cacheBytes, IGetter getter, IPeerPicker? peers = null, GroupOptions? options = null) =>
        Add(new Group(name, cacheBytes, getter, peers, options));

    /// <summary>Finds the group named <paramref name="name"/> (Go's <c>GetGroup</c>); false when there is none.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out Group? group) => _groups.TryGetValue(name, out group);
}
