namespace CacheApp.Source;

/// <summary>Checks the source's /health now and then, for the status endpoint.</summary>
public sealed partial class SourceHealth(HttpClient http, Configuration.CacheAppSettings settings, TimeProvider time, ILogger<SourceHealth> logger) : BackgroundService
{
    private volatile Snapshot _last = new(null, null, null);

    /// <summary>The last check: whether the source answered, when, and why not.</summary>
    public Snapshot Last => _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.SourceHealthInterval, time);
        try
        {
            do
            {
                await CheckAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckAsync(CancellationToken stoppingToken)
    {
        string? error = null;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            cts.CancelAfter(settings.SourceTimeout);
            // The status is the answer; the body is not read. Read whole (the default), a broken
            // source's endless /health answer was buffered up to 2 GB every SOURCE_HEALTH_INTERVAL.
            using var response = await http.GetAsync(SourceUrls.Health(settings.SourceUrl), HttpCompletionOption.ResponseHeadersRead, cts.Token);
            if (!response.IsSuccessStatusCode)
            {
                error = $"answered {(int)response.StatusCode}";
            }
        }
        catch (HttpRequestException ex)
        {
            error = ex.Message;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            error = "timed out";
        }

        bool healthy = error is null;
        if (_last.Healthy != healthy)
        {
            if (healthy)
            {
                LogSourceUp(settings.SourceUrl);
            }
            else
            {
                LogSourceDown(settings.SourceUrl, error!);
            }
        }

        _last = new Snapshot(healthy, time.GetUtcNow(), error);
    }

    [LoggerMessage(200, LogLevel.Information, "Source {Url} is healthy")]
    private partial void LogSourceUp(string url);

    [LoggerMessage(201, LogLevel.Warning, "Source {Url} failed its health check: {Error}")]
    private partial void LogSourceDown(string url, string error);

    /// <param name="Healthy">Null before the first check.</param>
    public sealed record Snapshot(bool? Healthy, DateTimeOffset? CheckedAt, string? Error);
}
