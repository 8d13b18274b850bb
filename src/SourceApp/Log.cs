using Microsoft.Extensions.Logging;

namespace SourceApp;

/// <summary>The service's log messages, source-generated, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "SourceApp {Name} listening on {Addresses} with database {DatabasePath}")]
    public static partial void Started(ILogger logger, string name, string addresses, string databasePath);

    [LoggerMessage(2, LogLevel.Information, "Database {DatabasePath} was new: created the schema and {Count} sample records")]
    public static partial void Seeded(ILogger logger, string databasePath, int count);

    [LoggerMessage(3, LogLevel.Critical, "Cannot start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Database {DatabasePath} could not switch to WAL (journal mode is {Mode}); writers will block readers")]
    public static partial void WalUnavailable(ILogger logger, string databasePath, string mode);

    [LoggerMessage(5, LogLevel.Error, "A transaction of {Count} writes failed and was rolled back")]
    public static partial void WriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(6, LogLevel.Debug, "{Method} {Target} -> {StatusCode} in {ElapsedMs:0.000} ms")]
    public static partial void Request(ILogger logger, string method, string target, int statusCode, double elapsedMs);

    [LoggerMessage(7, LogLevel.Error, "Unhandled error serving {Method} {Target}")]
    public static partial void Unhandled(ILogger logger, string method, string target, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "Health check failed: the database cannot be read")]
    public static partial void HealthFailed(ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "Notification queue full; dropped the invalidation of {Key}; {Suppressed} more such drops since the last message")]
    public static partial void NotifyQueueFull(ILogger logger, string key, long suppressed);

    [LoggerMessage(10, LogLevel.Warning, "Could not tell any cache node to drop {Key} after {Attempts} attempts; giving up; {Suppressed} more keys given up since the last message")]
    public static partial void NotifyDropped(ILogger logger, string key, int attempts, long suppressed);

    [LoggerMessage(11, LogLevel.Debug, "Cache node {Node} refused the invalidation of {Key}: {Reason}")]
    public static partial void NotifyNodeFailed(ILogger logger, string node, string key, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Write of {Key} answered before these cache nodes confirmed the invalidation; retrying them in the background: {Nodes}; {Suppressed} more such writes since the last message")]
    public static partial void NotifyUnreached(ILogger logger, string key, string nodes, long suppressed);

    [LoggerMessage(13, LogLevel.Warning, "Retry queue of cache node {Node} is full; dropped the invalidation of {Key}; {Suppressed} more such drops since the last message")]
    public static partial void NotifyRetryQueueFull(ILogger logger, string node, string key, long suppressed);

    [LoggerMessage(14, LogLevel.Warning, "{Method} {Target} answered 503: the database stayed locked by another process ({Reason})")]
    public static partial void DatabaseBusy(ILogger logger, string method, string target, string reason);

    [LoggerMessage(16, LogLevel.Debug, "Invalidation of {Key} given up; the caches may serve its old value until it expires")]
    public static partial void NotifyDroppedKey(ILogger logger, string key);

    [LoggerMessage(15, LogLevel.Warning, "Writes need no token and {Addresses} is reachable beyond this machine: anyone who reaches it can change the data. Set -token or SOURCEAPP_TOKEN, or listen on 127.0.0.1")]
    public static partial void WritesOpen(ILogger logger, string addresses);
}
