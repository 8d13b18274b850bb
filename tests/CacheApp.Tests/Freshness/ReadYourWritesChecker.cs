using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace CacheApp.Tests.Freshness;

/// <summary>The figures of one checker run.</summary>
internal sealed record ReadYourWritesFigures(int Writes, int CheckedReads, int StaleReads, int FailedReads, int FailedWrites, TimeSpan Elapsed, string FirstStale)
{
    public override string ToString() =>
        $"writes={Writes} checkedReads={CheckedReads} stale={StaleReads} failedReads={FailedReads} failedWrites={FailedWrites} elapsed={Elapsed.TotalSeconds:0.0}s{(FirstStale.Length > 0 ? $" firstStale=({FirstStale})" : "")}";
}

/// <summary>
/// A read-your-writes checker: one writer per key PUTs increasing numbers (each PUT after the previous one
/// was answered), readers GET the keys through every node. Just before a read is sent, the reader takes
/// the highest number whose PUT had been answered by then; a 200 with a smaller number is stale: it
/// returned a value older than a write that was answered before the read started.
/// </summary>
internal sealed class ReadYourWritesChecker
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly string[] _keys;
    private readonly long[] _answered; // per key: the highest number whose PUT was answered 2xx
    private readonly Func<int, long, string> _writeUrl;
    private readonly IReadOnlyList<string> _readBases;
    private int _writes;
    private int _checked;
    private int _stale;
    private int _failedReads;
    private int _failedWrites;
    private string _firstStale = "";

    /// <param name="writeUrl">Where the writer of key <c>i</c> sends its <c>n</c>-th PUT.</param>
    /// <param name="readBases">The nodes' API base URLs the readers spread over.</param>
    public ReadYourWritesChecker(IReadOnlyList<string> keys, Func<int, long, string> writeUrl, IReadOnlyList<string> readBases)
    {
        _keys = [.. keys];
        _answered = new long[_keys.Length];
        _writeUrl = writeUrl;
        _readBases = readBases;
    }

    /// <summary>Writes 0 to every key, then writes and reads until <paramref name="targetReads"/> reads were checked or <paramref name="maxDuration"/> passed.</summary>
    /// <summary>
    /// Writes and reads until there were <paramref name="targetReads"/> checked reads and
    /// <paramref name="targetWrites"/> answered writes (or <paramref name="maxDuration"/> passed):
    /// both counts, not a time, so that a slow machine checks as much as a fast one.
    /// </summary>
    public async Task<ReadYourWritesFigures> RunAsync(int readersPerNode, int targetReads, int targetWrites, TimeSpan maxDuration)
    {
        for (int k = 0; k < _keys.Length; k++)
        {
            Assert.True(await PutAsync(k, 0), $"the first PUT of {_keys[k]} failed");
        }

        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(maxDuration);
        var writers = Enumerable.Range(0, _keys.Length).Select(k => WriteLoopAsync(k, stop.Token)).ToList();
        var readers = Enumerable.Range(0, readersPerNode * _readBases.Count)
            .Select(r => ReadLoopAsync(r, targetReads, targetWrites, stop))
            .ToList();
        await Task.WhenAll(readers);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        return new ReadYourWritesFigures(_writes, _checked, _stale, _failedReads, _failedWrites, clock.Elapsed, _firstStale);
    }

    private async Task WriteLoopAsync(int k, CancellationToken stop)
    {
        for (long n = 1; !stop.IsCancellationRequested; n++)
        {
            if (await PutAsync(k, n))
            {
                Interlocked.Increment(ref _writes);
            }
            else
            {
                Interlocked.Increment(ref _failedWrites);
            }

            // A short pause between writes, so that reads see cached values as well as fresh loads.
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private async Task<bool> PutAsync(int k, long n)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            using var response = await TestHttp.Client.PutAsync(new Uri(_writeUrl(k, n)), TestHttp.ValueBody(n.ToString(System.Globalization.CultureInfo.InvariantCulture)), timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            // The write was answered: from now on no read that starts may see less than n.
            Volatile.Write(ref _answered[k], n);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ReadLoopAsync(int reader, int targetReads, int targetWrites, CancellationTokenSource stop)
    {
        string node = _readBases[reader % _readBases.Count];
        var random = new Random(reader);
        while (!stop.IsCancellationRequested && (Volatile.Read(ref _checked) < targetReads || Volatile.Read(ref _writes) < targetWrites))
        {
            int k = random.Next(_keys.Length);
            long floor = Volatile.Read(ref _answered[k]);
            long? got = await GetNumberAsync($"{node}/api/data/{Uri.EscapeDataString(_keys[k])}");
            if (got is not { } value)
            {
                Interlocked.Increment(ref _failedReads);
                continue;
            }

            Interlocked.Increment(ref _checked);
            if (value < floor && Interlocked.Increment(ref _stale) == 1)
            {
                _firstStale = $"node {node} key {_keys[k]}: read {value} after {floor} was answered";
            }
        }
    }

    private static async Task<long?> GetNumberAsync(string url)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            using var response = await TestHttp.Client.GetAsync(new Uri(url), timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
            return long.Parse(body.RootElement.GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }
}
