namespace CacheApp.Cluster;

/// <summary>Told when members come back from dead with the same incarnation, before the ring takes them back.</summary>
public interface IRejoinListener
{
    /// <param name="members">The groupcache addresses of the returning members.</param>
    void OnRejoined(IReadOnlyList<string> members);
}
