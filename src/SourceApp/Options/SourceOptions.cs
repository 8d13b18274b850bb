namespace SourceApp.Options;

/// <summary>
/// The service's settings, as given by its flags (see <see cref="SourceOptionsParser"/>).
/// Defaults are the Go seed's: <c>-db ./data/sqlite.db -http :8086</c>.
/// </summary>
public sealed class SourceOptions
{
    public const string DefaultDatabasePath = "./data/sqlite.db";
    public const string DefaultHttpAddress = ":8086";
    public const string DefaultName = "sourceapp";
    public const long DefaultMaxBodyBytes = 1024 * 1024; // 1 MiB

    /// <summary>
    /// The largest <c>-max-body</c>, 256 MiB: a body is read into one array, its value is held as a
    /// string and sent back in the answer, and SQLite refuses values over 1e9 bytes (SQLITE_TOOBIG).
    /// </summary>
    public const long LargestMaxBodyBytes = 256 * 1024 * 1024;
    public static readonly TimeSpan DefaultNotifyTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Path of the SQLite file; its folder is created on start.</summary>
    public string DatabasePath { get; set; } = DefaultDatabasePath;

    /// <summary>Where to listen, parsed from <c>-http</c>.</summary>
    public ListenAddress Listen { get; set; } = ListenAddress.Parse(DefaultHttpAddress);

    /// <summary>Node name, shown in logs and in <c>/health</c>.</summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>Largest accepted PUT body in bytes, at most <see cref="LargestMaxBodyBytes"/>; larger bodies get 413.</summary>
    public long MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary>
    /// Cache node API addresses told to drop a key after each committed write (<c>-notify</c>);
    /// empty means no notifications.
    /// </summary>
    public IReadOnlyList<Uri> NotifyUrls { get; set; } = [];

    /// <summary>
    /// The cache nodes' cluster secret, sent in X-GroupCache-Secret with each notification
    /// (<c>-notify-secret</c> or SOURCEAPP_NOTIFY_SECRET): nodes with a secret refuse a DELETE without it.
    /// </summary>
    public string? NotifySecret { get; set; }

    /// <summary>
    /// How long a write's answer waits for the notified nodes to confirm (<c>-notify-timeout</c>); the
    /// nodes that did not are named in the answer and retried in the background.
    /// </summary>
    public TimeSpan NotifyTimeout { get; set; } = DefaultNotifyTimeout;

    /// <summary>
    /// Answer writes without waiting for any node (<c>-notify-async</c>): lower write latency, but a read
    /// through a cache node just after the answer may still see the old value.
    /// </summary>
    public bool NotifyAsync { get; set; }

    /// <summary>When set, PUT and DELETE need <c>Authorization: Bearer {token}</c> (<c>-token</c> or SOURCEAPP_TOKEN).</summary>
    public string? WriteToken { get; set; }
}
