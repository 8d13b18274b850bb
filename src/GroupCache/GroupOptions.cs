using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GroupCache;

/// <summary>Optional settings of a <see cref="Group"/>; the defaults behave as golang/groupcache.</summary>
public sealed class GroupOptions
{
    /// <summary>
    /// The longest <see cref="Ttl"/>: 100 years. Expiry travels between peers as Unix nanoseconds in
    /// a signed 64-bit integer, which ends in the year 2262; a longer TTL would overflow it.
    /// </summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(36_500);

    /// <summary>
    /// How long a loaded value lives; <see cref="TimeSpan.Zero"/> (the default) is forever, as in
    /// groupcache. At most <see cref="MaxTtl"/>. A hot copy of a peer's value expires with the
    /// owner's copy, and never later than this long after it was copied.
    /// </summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.Zero;

    /// <summary>The clock for expiry; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Decides which peer loads are mirrored in the hot cache: groupcache keeps one in ten
    /// (<c>Next(10) == 0</c>). Tests pass a subclass that answers as they need.
    /// </summary>
    public Random Random { get; set; } = Random.Shared;

    /// <summary>
    /// Where the group reports peer failures, load failures and unreached removals (at most one
    /// message per kind every few seconds, with the count of those left out).
    /// </summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>What <see cref="Ttl"/> may be, for messages that name the setting their own way.</summary>
    public static readonly string TtlRange = $"must be between 00:00:00 (forever) and {MaxTtl} (100 years).";

    /// <summary>True when <paramref name="ttl"/> is a TTL a group accepts: zero (forever) up to <see cref="MaxTtl"/>.</summary>
    public static bool IsValidTtl(TimeSpan ttl) => ttl >= TimeSpan.Zero && ttl <= MaxTtl;

    /// <summary>A copy of these settings, as a group keeps them.</summary>
    internal GroupOptions Copy() => (GroupOptions)MemberwiseClone();

    /// <summary>Throws when a setting cannot work; a <see cref="Group"/> calls it when it is created.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; its name is the parameter name.</exception>
    public void Validate()
    {
        if (!IsValidTtl(Ttl))
        {
            throw new ArgumentOutOfRangeException(nameof(Ttl), Ttl, $"Ttl {TtlRange}");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(Random);
        ArgumentNullException.ThrowIfNull(Logger);
    }
}
