using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SourceApp.Tests.Support;

/// <summary>
/// A stand-in cache node on 127.0.0.1 (free port) that records every request target it gets and answers
/// with <see cref="Status"/>.
/// </summary>
public sealed class FakeCacheNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Lock _arrivalLock = new(); // keeps a request's index and its place in _requests the same
    private int _arrivals;

    private FakeCacheNode(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public int Status { get; set; } = StatusCodes.Status200OK;

    /// <summary>When set, each request is answered only once this completes (a slow node).</summary>
    public Task? Gate { get; set; }

    /// <summary>
    /// When set, answers each request in place of <see cref="Gate"/> and <see cref="Status"/>: it is given
    /// the request's index in arrival order, and the request is held open until the status it returns is
    /// known, so a test can script one node's requests one by one.
    /// </summary>
    public Func<int, Task<int>>? Script { get; set; }

    /// <summary>"METHOD raw-target" of each request, in arrival order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <param name="port">0 for a free port; a given one to bring a node up where a dead one was.</param>
    public static async Task<FakeCacheNode> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var node = new FakeCacheNode(app);
        app.Run(async context =>
        {
            var raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            int index;
            lock (node._arrivalLock)
            {
                index = node._arrivals++;
                node._requests.Enqueue($"{context.Request.Method} {raw}");
            }

            node._arrived.Release();
            if (node.Script is { } script)
            {
                context.Response.StatusCode = await script(index);
                return;
            }

            if (node.Gate is { } gate)
            {
                await gate;
            }

            context.Response.StatusCode = node.Status;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        node.BaseAddress = new Uri(address);
        return node;
    }

    /// <summary>Waits for the next request (in order of arrival) and returns it.</summary>
    public async Task<string> NextRequestAsync(int index)
    {
        await _arrived.WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(t => Assert.True(t.Result, "no request arrived"));
        return _requests.ElementAt(index);
    }

    /// <summary>An http URL on 127.0.0.1 where nothing listens: connections are refused at once.</summary>
    public static Uri DeadAddress()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}
