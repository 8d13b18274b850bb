namespace GroupCache;

/// <summary>Optional settings of a <see cref="Group"/>; the defaults behave as golang/groupcache.</summary>
public sealed class GroupOptions
{
    /// <summary>How long a loaded value lives; <see cref="TimeSpan.Zero"/> (the default) is forever, as in groupcache.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.Zero;

    /// <summary>The clock for expiry; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Decides which peer loads are mirrored in the hot cache: groupcache keeps one in ten
    /// (<c>Next(10) == 0</c>). Tests pass a subclass that answers as they need.
    /// </summary>
    public Random Random { get; set; } = Random.Shared;

    /// <summary>Called when a peer fails and the key is loaded locally instead; services log it here.</summary>
    public Action<string, Exception>? OnPeerError { get; set; }
}
