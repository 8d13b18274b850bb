using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Integration;

/// <summary>start-services.sh, run for real on alternative ports with SELF_HOST=127.0.0.1. Its helpers serve the security tests too.</summary>
public class StartScriptTests
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "start-services.sh")) && Directory.Exists(Path.Combine(dir.FullName, "src", "CacheApp")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("start-services.sh not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A base port with <paramref name="count"/> free ports from it, and a free source port.</summary>
    internal static (int Base, int Source) FreePorts(int count)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int first = Random.Shared.Next(20_000, 32_000) & ~1;
            var listeners = new List<TcpListener>();
            try
            {
                for (int p = first; p <= first + count; p++)
                {
                    var l = new TcpListener(IPAddress.Loopback, p);
                    l.Start();
                    listeners.Add(l);
                }

                return (first, first + count);
            }
            catch (SocketException)
            {
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }

        throw new InvalidOperationException("no free port range found");
    }

    internal sealed record ScriptRun(int ExitCode, string Output);

    internal static async Task<ScriptRun> RunScriptAsync(TempDir dir, IReadOnlyDictionary<string, string> env, string command, TimeSpan timeout, string? flag = null)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot(),
        };
        info.ArgumentList.Add(Path.Combine(RepoRoot(), "start-services.sh"));
        info.ArgumentList.Add(command);
        if (flag is not null)
        {
            info.ArgumentList.Add(flag);
        }

        // The test host's MSBuild variables would steer the script's own build, and a developer's
        // own secrets its choice of secrets: a test sets what it means to.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
            || k is "CLUSTER_SECRET" or "CLUSTER_SECRET_FILE" or "SOURCEAPP_TOKEN").ToArray())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET"] = ServiceProcess.DotnetHost();
        info.Environment["LOG_DIR"] = Path.Combine(dir.Path, "logs");
        info.Environment["RUN_DIR"] = Path.Combine(dir.Path, "run");
        info.Environment["DATA_DIR"] = Path.Combine(dir.Path, "data");
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"start-services.sh {command} ran longer than {timeout}");
        }

        return new ScriptRun(process.ExitCode, await stdout + await stderr);
    }

    internal static int[] StartedPids(TempDir dir)
    {
        string run = Path.Combine(dir.Path, "run");
        return Directory.Exists(run)
            ? [.. Directory.GetFiles(run, "*.pid").Select(f => int.Parse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture))]
            : [];
    }

    internal static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Settings that run the services this test project was built with (src/*/bin/CONFIGURATION, which
    /// its project references built), skipping the script's own Release build: for the tests that time
    /// the script or only check how it starts.
    /// </summary>
    internal static Dictionary<string, string> PrebuiltEnv()
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // tests/CacheApp.Tests/bin/<configuration>/net10.0/
        string dll = Path.Combine(RepoRoot(), "src", "CacheApp", "bin", configuration, "net10.0", "CacheApp.dll");
        Assert.True(File.Exists(dll), $"{dll} not found: the test project's build should have made it");
        return new Dictionary<string, string> { ["SKIP_BUILD"] = "1", ["CONFIGURATION"] = configuration };
    }

    /// <summary>The script's settings for one run: the host it announces and the ports it takes, over <paramref name="start"/>.</summary>
    private static Dictionary<string, string> ScriptEnv(string selfHost, int basePort, int sourcePort, IReadOnlyDictionary<string, string>? start = null) =>
        new(start ?? new Dictionary<string, string>())
        {
            ["SELF_HOST"] = selfHost,
            ["BASE_PORT"] = basePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SOURCE_PORT"] = sourcePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

    /// <summary>
    /// The processes started by a script run in <paramref name="dir"/>, found by the RUN_DIR they
    /// inherited from it (whether or not a PID file still names them).
    /// </summary>
    internal static int[] ProcessesFrom(TempDir dir)
    {
        string marker = "RUN_DIR=" + Path.Combine(dir.Path, "run");
        var found = new List<int>();
        foreach (string proc in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(proc, "environ")).Split('\0').Contains(marker))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return [.. found];
    }

    /// <summary>Whatever happens in the test, nothing the script started outlives it.</summary>
    internal static void KillLeftovers(IEnumerable<int> pids)
    {
        foreach (int pid in pids.Where(IsRunning))
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                string cmd = File.ReadAllText($"/proc/{pid}/cmdline");
                // "dotnet X.dll ..." or an AOT executable ".../X ...".
                string[] argv = cmd.Split('\0');
                if (argv.Take(2).Select(Path.GetFileName).Any(a => a is "CacheApp.dll" or "SourceApp.dll" or "CacheApp" or "SourceApp"))
                {
                    p.Kill();
                }
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidOperationException)
            {
            }
        }
    }

    private static async Task AssertSourceWritesNeedTheTokenAsync(TempDir dir, ScriptRun start, string sourceUrl, string tokenFile)
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        }

        Assert.Contains($"curl -X PUT -H \"Authorization: Bearer $(cat {tokenFile})\"", start.Output);
        using (var anonymous = await TestHttp.Client.PutAsync($"{sourceUrl}/api/data/newkey", TestHttp.ValueBody("from a stranger")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        await TestHttp.PutValueAsync(sourceUrl, "newkey", "from the owner", SourceToken(dir));
    }

    /// <summary>The source's write token that the script generated into RUN_DIR.</summary>
    private static string SourceToken(TempDir dir) => File.ReadAllText(Path.Combine(dir.Path, "run", "source-token")).Trim();

    /// <param name="gen0">DOTNET_GCgen0size for the script, or null to leave it unset (the script's 64 MiB).</param>
    /// <param name="openWrites">Start with SOURCEAPP_TOKEN set empty: the source takes writes from anyone, and the summary says so.</param>
    private static async Task StartServeStopAsync(int nodes, bool aot = false, string? gen0 = null, bool openWrites = false)
    {
        using var dir = new TempDir();
        var (basePort, sourcePort) = FreePorts(2 * nodes);
        var env = ScriptEnv("127.0.0.1", basePort, sourcePort);
        env["NODES"] = nodes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (gen0 is not null)
        {
            env["DOTNET_GCgen0size"] = gen0;
        }

        if (openWrites)
        {
            env["SOURCEAPP_TOKEN"] = "";
        }

        var pids = new List<int>();
        try
        {
            // With --aot the script publishes first when the sources changed (test.sh has published already).
            var start = await RunScriptAsync(dir, env, "start", TimeSpan.FromMinutes(aot ? 25 : 8), aot ? "--aot" : null);
            pids.AddRange(StartedPids(dir));
            Assert.True(start.ExitCode == 0, start.Output);
            Assert.Equal(nodes + 1, pids.Count);
            Assert.Contains("ring converged", start.Output);
            Assert.Equal(aot, start.Output.Contains("Native AOT)", StringComparison.Ordinal));
            foreach (int pid in pids)
            {
                // What runs is what was asked for: dotnet with a dll, or an AOT executable.
                string exe = Path.GetFileName(new FileInfo($"/proc/{pid}/exe").ResolveLinkTarget(returnFinalTarget: true)!.FullName);
                Assert.True(aot ? exe is "CacheApp" or "SourceApp" : exe.StartsWith("dotnet", StringComparison.Ordinal), $"pid {pid} runs {exe}");
            }

            Assert.Contains($"curl http://127.0.0.1:{basePort}/api/data/apple", start.Output);
            Assert.Contains($"dashboard: http://127.0.0.1:{basePort}/dashboard", start.Output);

            // The source's writes are closed to strangers: the script generated a write token, readable
            // by its owner only, and the summary shows how to send it (unless told to leave it open).
            string sourceUrl = $"http://127.0.0.1:{sourcePort}";
            string tokenFile = Path.Combine(dir.Path, "run", "source-token");
            if (openWrites)
            {
                Assert.False(File.Exists(tokenFile));
                Assert.Contains("source write token: NONE", start.Output);
                await TestHttp.PutValueAsync(sourceUrl, "newkey", "from anyone");
            }
            else
            {
                await AssertSourceWritesNeedTheTokenAsync(dir, start, sourceUrl, tokenFile);
            }

            var (newStatus, newBody) = await TestHttp.GetJsonAsync($"http://127.0.0.1:{basePort}/api/data/newkey");
            Assert.Equal(HttpStatusCode.OK, newStatus);
            Assert.Equal(openWrites ? "from anyone" : "from the owner", newBody.GetProperty("value").GetString());

            for (int i = 0; i < nodes; i++)
            {
                string api = $"http://127.0.0.1:{basePort + (2 * i)}";
                var (status, body) = await TestHttp.GetJsonAsync($"{api}/api/data/apple");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal("A crisp red apple", body.GetProperty("value").GetString());
                var (_, peers) = await TestHttp.GetJsonAsync($"{api}/api/admin/peers");
                Assert.Equal(nodes, peers.GetProperty("ring").GetArrayLength());
                var (clusterStatus, cluster) = await TestHttp.GetJsonAsync($"{api}/api/admin/cluster");
                Assert.Equal(HttpStatusCode.OK, clusterStatus);
                Assert.Equal(nodes, cluster.GetProperty("members").GetArrayLength());

                // The script's young-generation budget (DOTNET_GCgen0size) reaches every node, JIT or AOT;
                // set empty, the runtime's default applies (docs/CACHEAPP.md), not the script's 64 MiB.
                var (_, nodeStatus) = await TestHttp.GetJsonAsync($"{api}/api/admin/status");
                long budget = nodeStatus.GetProperty("process").GetProperty("gen0MaxBudgetBytes").GetInt64();
                if (gen0 == "")
                {
                    Assert.NotEqual(64L << 20, budget);
                }
                else
                {
                    Assert.Equal(64L << 20, budget);
                }
            }

            var status2 = await RunScriptAsync(dir, env, "status", TimeSpan.FromSeconds(30));
            Assert.Equal(nodes + 1, status2.Output.Split('\n').Count(l => l.Contains("running (pid", StringComparison.Ordinal) && l.Contains("healthy at", StringComparison.Ordinal)));

            var stop = await RunScriptAsync(dir, env, "stop", TimeSpan.FromMinutes(1));
            Assert.True(stop.ExitCode == 0, stop.Output);
            Assert.All(pids, pid => Assert.False(IsRunning(pid), $"pid {pid} still runs after stop"));
            Assert.Empty(StartedPids(dir));
        }
        finally
        {
            KillLeftovers(pids);
        }
    }

    [Fact]
    public Task StartServices_ThreeNodesOnAlternativePorts_ServeAppleAndStopLeavesNothing() => StartServeStopAsync(3);

    [Fact]
    public Task StartServices_OneNode_EmptyGen0SizeAndSourceToken_ServesAppleWithTheRuntimesBudgetOpenWritesAndStops() => StartServeStopAsync(1, gen0: "", openWrites: true);

    [Fact]
    public Task StartServices_AotTwoNodes_NativeExecutablesServeAppleAndStop() => StartServeStopAsync(2, aot: true);

    [Theory]
    [InlineData("192.168.1.100", "192.168.1.100")]
    [InlineData("172.16.0.1", "172.16.0.1")]
    [InlineData("172.31.255.254", "172.31.255.254")]
    [InlineData("172.15.0.1", "localhost")]
    [InlineData("172.32.0.1", "localhost")]
    [InlineData("8.8.8.8", "localhost")]
    public async Task DetectIp_FakeInterfaceList_FollowsTheNodesRules(string ethAddress, string expected)
    {
        // A fake `ip` first on PATH: the script parses its output and sends nothing anywhere.
        using var dir = new TempDir();
        string bin = Path.Combine(dir.Path, "bin");
        Directory.CreateDirectory(bin);
        string fakeIp = Path.Combine(bin, "ip");
        await File.WriteAllTextAsync(fakeIp, $$"""
            #!/usr/bin/env bash
            echo '1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever'
            echo '3: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\       valid_lft forever'
            echo '4: wlan0    inet 10.0.0.7/24 brd 10.0.0.255 scope global wlan0\       valid_lft forever'
            echo '5: veth12@if4    inet 10.0.0.8/24 scope global veth12\       valid_lft forever'
            echo '6: eth0    inet {{ethAddress}}/24 brd 1.2.3.255 scope global eth0\       valid_lft forever'
            """.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fakeIp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var run = await RunScriptAsync(dir, new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") }, "detect-ip", TimeSpan.FromSeconds(30));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, run.Output.Trim());
    }

    [Fact]
    public async Task StartServices_SourceExitsAtOnce_FailsWithinSecondsWithItsLogAndLeavesNothing()
    {
        using var dir = new TempDir();
        // The database path is a folder: SQLite cannot open it and the source exits within a second.
        // (Root, as in CI, ignores file modes, so a read-only DATA_DIR would not do; and one mkdir
        // cannot make, such as /proc/x, stops the script before it starts anything.)
        Directory.CreateDirectory(Path.Combine(dir.Path, "data", "sqlite.db"));
        var (basePort, sourcePort) = FreePorts(6);
        var env = ScriptEnv("127.0.0.1", basePort, sourcePort, PrebuiltEnv());
        env["WAIT_SECONDS"] = "60";
        try
        {
            var watch = Stopwatch.StartNew();
            var run = await RunScriptAsync(dir, env, "start", TimeSpan.FromMinutes(3));
            watch.Stop();

            Assert.True(run.ExitCode != 0, run.Output);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the start failed after {watch.Elapsed.TotalSeconds:F1} s (WAIT_SECONDS=60): {run.Output}");
            Assert.Contains("source (pid", run.Output);
            Assert.Contains("exited", run.Output);
            Assert.Contains("last lines of " + Path.Combine(dir.Path, "logs", "sourceapp.log"), run.Output);
            Assert.Empty(StartedPids(dir));
            Assert.Empty(ProcessesFrom(dir));
        }
        finally
        {
            KillLeftovers(StartedPids(dir).Concat(ProcessesFrom(dir)));
        }
    }

    [Theory]
    [InlineData("90s")] // bash stopped on "value too great for base" with the source started and left running
    [InlineData("08")] // the same: a leading 0 is octal to bash
    [InlineData("0")]
    public Task StartServices_BadWaitSeconds_RefusedBeforeAnythingStarts(string waitSeconds) =>
        AssertRefusedBeforeAnythingStartsAsync(new() { ["WAIT_SECONDS"] = waitSeconds }, "WAIT_SECONDS must be", $"'{waitSeconds}'");

    /// <summary>Runs start with <paramref name="setting"/>: it must fail naming it, and start and leave nothing.</summary>
    private static async Task AssertRefusedBeforeAnythingStartsAsync(Dictionary<string, string> setting, params string[] messageParts)
    {
        using var dir = new TempDir();
        var (basePort, sourcePort) = FreePorts(6);
        var env = ScriptEnv("127.0.0.1", basePort, sourcePort, PrebuiltEnv());
        env["WAIT_SECONDS"] = "20";
        foreach (var (name, value) in setting)
        {
            env[name] = value;
        }

        try
        {
            var run = await RunScriptAsync(dir, env, "start", TimeSpan.FromMinutes(2));

            Assert.True(run.ExitCode != 0, run.Output);
            Assert.All(messageParts, part => Assert.Contains(part, run.Output));
            Assert.DoesNotContain("Starting", run.Output);
            Assert.Empty(StartedPids(dir));
            Assert.Empty(ProcessesFrom(dir));
        }
        finally
        {
            KillLeftovers(StartedPids(dir).Concat(ProcessesFrom(dir)));
        }
    }

    /// <summary>
    /// SELF_HOST=::1: the services listen on ::1 (they bound 127.0.0.1 and announced [::1], so no node
    /// could join or reach the source), the ring converges on [::1] addresses and a write at the source
    /// reaches the nodes (-notify). With BIND_HOST=::1 the source was started with "-http ::1:PORT",
    /// which it refuses. Only [::1] is addressed; the listeners are read from the kernel's table.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("::1")]
    public async Task StartServices_SelfHostIpv6Loopback_ListensConvergesAndInvalidatesOnIpv6Loopback(string? bindHost)
    {
        const int nodes = 2;
        using var dir = new TempDir();
        var (basePort, sourcePort) = FreePorts(2 * nodes);
        var env = ScriptEnv("::1", basePort, sourcePort, PrebuiltEnv());
        env["NODES"] = nodes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (bindHost is not null)
        {
            env["BIND_HOST"] = bindHost;
            env["SOURCEAPP_TOKEN"] = " chosen-token\n"; // chosen, not generated: trimmed as the source trims it
        }

        var pids = new List<int>();
        try
        {
            var start = await RunScriptAsync(dir, env, "start", TimeSpan.FromMinutes(3));
            pids.AddRange(StartedPids(dir));
            Assert.True(start.ExitCode == 0, start.Output);
            Assert.Contains("ring converged", start.Output);
            Assert.Contains($"curl http://[::1]:{basePort}/api/data/apple", start.Output);

            var listeners = System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners();
            foreach (int port in Enumerable.Range(basePort, 2 * nodes).Append(sourcePort))
            {
                Assert.Equal([IPAddress.IPv6Loopback], listeners.Where(l => l.Port == port).Select(l => l.Address).Distinct());
            }

            string source = $"http://[::1]:{sourcePort}";
            string[] apis = [.. Enumerable.Range(0, nodes).Select(i => $"http://[::1]:{basePort + (2 * i)}")];
            foreach (string api in apis)
            {
                var (_, peers) = await TestHttp.GetJsonAsync($"{api}/api/admin/peers");
                var ring = peers.GetProperty("ring").EnumerateArray().Select(e => e.GetString()!).ToList();
                Assert.Equal(nodes, ring.Count);
                Assert.All(ring, member => Assert.StartsWith("http://[::1]:", member, StringComparison.Ordinal));
                var (status, body) = await TestHttp.GetJsonAsync($"{api}/api/data/apple");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal("A crisp red apple", body.GetProperty("value").GetString());
            }

            await TestHttp.PutValueAsync(source, "apple", "an apple over IPv6", bindHost is null ? SourceToken(dir) : "chosen-token");
            Assert.Equal(bindHost is null, File.Exists(Path.Combine(dir.Path, "run", "source-token")));
            foreach (string api in apis)
            {
                var (_, body) = await TestHttp.GetJsonAsync($"{api}/api/data/apple");
                Assert.Equal("an apple over IPv6", body.GetProperty("value").GetString());
            }

            var stop = await RunScriptAsync(dir, env, "stop", TimeSpan.FromMinutes(1));
            Assert.True(stop.ExitCode == 0, stop.Output);
            Assert.Empty(StartedPids(dir));
            Assert.Empty(ProcessesFrom(dir));
        }
        finally
        {
            KillLeftovers(pids.Concat(ProcessesFrom(dir)));
        }
    }

    [Theory]
    [InlineData("my-host.example")]
    [InlineData("127.0.0.1:9000")]
    public Task StartServices_BindHostNotAnAddress_RefusedBeforeAnythingStarts(string bindHost) =>
        AssertRefusedBeforeAnythingStartsAsync(new() { ["BIND_HOST"] = bindHost }, $"BIND_HOST must be an IP address, localhost or * (got '{bindHost}')");

    [Theory]
    [InlineData("NODES", "08", "NODES must be a number from 1 to 50 (got '08')")] // octal to bash: it stopped on "value too great for base"
    [InlineData("BASE_PORT", "08080", "BASE_PORT and SOURCE_PORT must be numbers, without a leading 0")]
    public Task StartServices_NumberWithALeadingZero_RefusedBeforeAnythingStarts(string name, string value, string message) =>
        AssertRefusedBeforeAnythingStartsAsync(new() { [name] = value }, message);

    [Fact]
    public async Task StartServices_BusyPort_FailsClearlyAndStartsNothing()
    {
        using var dir = new TempDir();
        var (basePort, sourcePort) = FreePorts(6);
        using var busy = new TcpListener(IPAddress.Loopback, basePort + 2);
        busy.Start();
        var env = ScriptEnv("127.0.0.1", basePort, sourcePort);

        var run = await RunScriptAsync(dir, env, "start", TimeSpan.FromMinutes(2));
        KillLeftovers(StartedPids(dir));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"port {basePort + 2} is already in use", run.Output);
        Assert.Empty(StartedPids(dir));
    }
}
