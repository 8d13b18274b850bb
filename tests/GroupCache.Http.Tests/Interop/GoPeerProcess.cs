using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace GroupCache.Http.Tests.Interop;

/// <summary>A running gopeer: a golang/groupcache node on 127.0.0.1, with its test API. Killed (by PID) on dispose.</summary>
internal sealed class GoPeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr;
    private readonly HttpClient _api;

    private GoPeerProcess(Process process, StringBuilder stderr, string self, string api)
    {
        _process = process;
        _stderr = stderr;
        Self = self;
        _api = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri("http://" + api), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The node's peer URL, "http://127.0.0.1:PORT".</summary>
    public string Self { get; }

    public static async Task<GoPeerProcess> StartAsync(string self, IEnumerable<string> peers, string api, long cacheBytes)
    {
        var start = new ProcessStartInfo(GoProgram.GoPeer)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "-self", self, "-peers", string.Join(',', peers), "-api", api, "-cache-bytes", cacheBytes.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new StringBuilder();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("gopeer ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("gopeer exited before it was ready: " + Snapshot(stderr)));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new GoPeerProcess(process, stderr, self, api);
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>What the Go node's <c>group.Get</c> answers: status and exact value bytes.</summary>
    public async Task<(HttpStatusCode Status, byte[] Body)> RawAsync(string key)
    {
        using var response = await _api.GetAsync("/raw?key=" + Uri.EscapeDataString(key));
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The owner the Go ring names.</summary>
    public async Task<string> OwnerAsync(string key) => (await _api.GetStringAsync("/owner?key=" + Uri.EscapeDataString(key))).Trim();

    /// <summary>The Go getter's calls per key.</summary>
    public async Task<Dictionary<string, long>> LoadsAsync()
    {
        using var doc = JsonDocument.Parse(await _api.GetStringAsync("/loads"));
        return doc.RootElement.GetProperty("keys").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);
    }

    /// <summary>One counter of the Go group's stats (groupcache's field names).</summary>
    public async Task<long> StatAsync(string name)
    {
        using var doc = JsonDocument.Parse(await _api.GetStringAsync("/stats"));
        return doc.RootElement.GetProperty(name).GetInt64();
    }

    public string StandardError => Snapshot(_stderr);

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string Snapshot(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
