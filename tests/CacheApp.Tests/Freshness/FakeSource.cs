using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CacheApp.Tests.Freshness;

/// <summary>
/// A tiny source service on 127.0.0.1 inside the test, with gates: a read of the gated key takes
/// the value as it is when the request arrives, then waits for the gate — a slow source that read
/// before a write. PUT stores the value; then its answer depends on the key: "put-slow*" waits until
/// the source is disposed, "put-abort*" drops the connection, "put-500*" fails; others echo a record.
/// </summary>
internal sealed class FakeSource : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly WebApplication _app;
    private Gate? _gate;

    private FakeSource(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    // Routing leaves %2F escaped in a catch-all value; the test keys hold no other percent signs.
    public static async Task<FakeSource> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var source = new FakeSource(app);
        app.MapGet("/health", () => Results.Json(new { status = "ok", name = "fake" }));
        app.MapGet("/api/data/{**key}", (string key, CancellationToken ct) => source.ReadAsync(Uri.UnescapeDataString(key), ct));
        app.MapPut("/api/data/{**key}", (string key, HttpContext ctx) => source.WriteAsync(Uri.UnescapeDataString(key), ctx));
        await app.StartAsync();
        source.Url = app.Urls.Single().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return source;
    }

    public void Set(string key, string value) => _values[key] = value;

    public int ReadsOf(string key) => _reads.GetValueOrDefault(key);

    /// <summary>Holds the next read of <paramref name="key"/>; its task completes when that read arrived.</summary>
    public Gate Hold(string key)
    {
        var gate = new Gate(key);
        Volatile.Write(ref _gate, gate);
        return gate;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task<IResult> ReadAsync(string key, CancellationToken ct)
    {
        _reads.AddOrUpdate(key, 1, (_, n) => n + 1);
        bool found = _values.TryGetValue(key, out string? value);
        var gate = Volatile.Read(ref _gate);
        if (gate is not null && gate.Key == key && Interlocked.CompareExchange(ref _gate, null, gate) == gate)
        {
            gate.Arrived.TrySetResult();
            await gate.Released.Task.WaitAsync(ct);
        }

        return found
            ? Results.Json(new { key, value, updated_at = "2026-01-01T00:00:00.000000Z", version = 1 })
            : Results.Json(new { error = "not found" }, statusCode: 404);
    }

    private async Task<IResult> WriteAsync(string key, HttpContext ctx)
    {
        using var doc = await System.Text.Json.JsonDocument.ParseAsync(ctx.Request.Body);
        string value = doc.RootElement.GetProperty("value").GetString()!;
        bool created = _values.TryAdd(key, value);
        _values[key] = value;

        // The failures come after the commit, the case that leaves caches stale if nobody invalidates.
        if (key.StartsWith("put-slow", StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.Infinite, _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return Results.StatusCode(503);
        }

        if (key.StartsWith("put-abort", StringComparison.Ordinal))
        {
            ctx.Abort();
            return Results.Empty;
        }

        if (key.StartsWith("put-500", StringComparison.Ordinal))
        {
            return Results.Json(new { error = "disk on fire" }, statusCode: 500);
        }

        return Results.Json(new { key, value, updated_at = "2026-01-01T00:00:00.000000Z", version = 1, contentType = ctx.Request.ContentType }, statusCode: created ? 201 : 200);
    }

    public sealed class Gate(string key)
    {
        public string Key { get; } = key;

        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
