using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace CacheApp.Tests.Support;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package, which test.sh installs) on 127.0.0.1 and a
/// free port, scraping the given targets every second. Dispose stops it by its PID and removes its
/// configuration and data folder.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    private readonly TempDir _dir;
    private readonly Process _process;
    private readonly OutputLog _output = new(200_000);

    private PrometheusServer(TempDir dir, Process process, string url)
    {
        _dir = dir;
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public string DataPath => Path.Combine(_dir.Path, "data");

    public string Output => _output.ToString();

    /// <param name="jobs">Job name → "127.0.0.1:port" targets.</param>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, string[]> jobs)
    {
        string binary = new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("prometheus is not installed: test.sh installs Debian's package (apt-get install prometheus)");
        var dir = new TempDir();
        int port = FreePort.Next();
        string config = Path.Combine(dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(config, ConfigFor(jobs));
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir.Path,
        };
        foreach (string arg in new[]
        {
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(dir.Path, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        var server = new PrometheusServer(dir, process, $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => server._output.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server._output.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool ready = await TestHttp.EventuallyAsync(
            async () =>
            {
                using var response = await TestHttp.Client.GetAsync(new Uri($"{server.Url}/-/ready"));
                return response.StatusCode == HttpStatusCode.OK || process.HasExited;
            },
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(200));
        if (!ready || process.HasExited)
        {
            string output = server.Output;
            server.Dispose();
            Assert.Fail($"prometheus did not become ready:{Environment.NewLine}{output}");
        }

        return server;
    }

    /// <summary>One instant query's single value (the vector's first sample); null when the result is empty.</summary>
    public async Task<double?> QueryAsync(string promql)
    {
        var (status, body) = await TestHttp.GetJsonAsync($"{Url}/api/v1/query?query={Uri.EscapeDataString(promql)}");
        Assert.True(status == HttpStatusCode.OK, $"query {promql}: {(int)status} {body}");
        var result = body.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() == 0)
        {
            return null;
        }

        string value = result[0].GetProperty("value")[1].GetString()!;
        return double.Parse(value, CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(); // this process, by its PID; Prometheus starts no children
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _dir.Dispose();
    }

    private static string ConfigFor(IReadOnlyDictionary<string, string[]> jobs)
    {
        var yaml = new System.Text.StringBuilder();
        yaml.AppendLine("global:");
        yaml.AppendLine("  scrape_interval: 1s");
        yaml.AppendLine("  scrape_timeout: 1s");
        yaml.AppendLine("scrape_configs:");
        foreach (var (job, targets) in jobs)
        {
            yaml.AppendLine($"  - job_name: {job}");
            yaml.AppendLine("    static_configs:");
            yaml.AppendLine($"      - targets: [{string.Join(", ", targets.Select(t => JsonSerializer.Serialize(t)))}]");
        }

        return yaml.ToString();
    }
}
