namespace SourceApp.Storage;

/// <summary>
/// The service's storage. Writes complete only after their transaction has committed; reads see every
/// write that has completed.
/// </summary>
public interface IRecordStore
{
    ValueTask<DataRecord?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces <paramref name="key"/>. Once called, the write is applied even if the caller stops waiting.</summary>
    Task<PutResult> PutAsync(string key, string value, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="key"/>; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> keys in UTF-8 byte order (= Unicode code point order) that start with
    /// <paramref name="prefix"/> and sort after <paramref name="after"/> (when given).
    /// </summary>
    ValueTask<KeyPage> ListKeysAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Runs a real query against the records table; throws when the database cannot be read.</summary>
    ValueTask PingAsync(CancellationToken cancellationToken = default);
}
