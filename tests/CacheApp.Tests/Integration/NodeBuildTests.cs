using System.Net;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Integration;

/// <summary>
/// Which build the cluster tests run: <c>dotnet CacheApp.dll</c>, or the Native AOT executable that
/// CACHEAPP_BINARY names (test.sh's second pass over the "Cluster" category).
/// </summary>
[Trait("Category", "Cluster")]
public class NodeBuildTests
{
    [Fact]
    public async Task Start_TheBuildUnderTest_RunsThatBuildAnswersHealthyAndLoadsFromTheSource()
    {
        using var dir = new TempDir();
        using var source = new SourceNode(dir.Path);
        await source.StartAsync();
        await TestHttp.PutValueAsync(source.Url, "build/apple", "from the source");
        using var node = new CacheNode("a", source.Url);
        await node.StartAsync();

        // The kernel's word for what runs, not the test's configuration.
        string running = new FileInfo($"/proc/{node.Process.Pid}/exe").ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        string? published = ServiceProcess.PublishedBinary("CacheApp.dll");
        var status = await node.StatusAsync();
        bool nativeAot = status.GetProperty("process").GetProperty("nativeAot").GetBoolean();
        if (published is null)
        {
            Assert.StartsWith("dotnet", Path.GetFileName(running), StringComparison.Ordinal);
            Assert.False(nativeAot, "dotnet CacheApp.dll reports itself as Native AOT");
        }
        else
        {
            Assert.Equal(new FileInfo(published).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? published, running);
            Assert.True(nativeAot, $"{published} is not a Native AOT build");
        }

        var (code, body) = await node.GetAsync("build/apple");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("from the source", body.GetProperty("value").GetString());
        Assert.Equal(1, await node.StatAsync("localLoads"));
    }

    [Fact]
    public async Task Start_TheBuildUnderTest_ReleasesStartUpMemoryOnceASecondAfterItStarted()
    {
        // As the launchers ship it: with a 64 MiB young generation no collection would come until traffic does.
        using var node = new CacheNode("release", "http://127.0.0.1:1", extraEnv: new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "4000000" });
        await node.StartAsync();
        const string Released = "Released start-up memory: resident ";
        Assert.True(
            await TestHttp.EventuallyAsync(() => Task.FromResult(node.Process.Output.Contains(Released, StringComparison.Ordinal)), TimeSpan.FromSeconds(15)),
            "no release logged: " + node.Process.Output);
        Assert.Matches(@"Released start-up memory: resident \d+\.\d MiB before, \d+\.\d MiB after one full collection \(\d+\.\d ms\)", node.Process.Output);
        var gen2 = (await node.StatusAsync()).GetProperty("process").GetProperty("gen2Collections").GetInt32();
        Assert.True(gen2 >= 1, $"{gen2} full collections after the release");
        await Task.Delay(3 * ServiceCommon.StartupMemoryRelease.DefaultDelay); // long enough for a second one
        Assert.Equal(2, node.Process.Output.Split(Released).Length); // once
    }

    [Fact]
    public async Task KubernetesDiscovery_InTheBuildUnderTest_IsBuiltInOrRefusedAtStartWithTheReason()
    {
        using var dir = new TempDir();
        string kubeconfig = Path.Combine(dir.Path, "kubeconfig");

        // A kubeconfig whose API server refuses connections: enough for the JIT build to start and keep
        // its own ring while the watch retries; the AOT build must stop before it listens.
        await File.WriteAllTextAsync(kubeconfig, """
            apiVersion: v1
            kind: Config
            clusters:
              - name: none
                cluster:
                  server: http://127.0.0.1:1
            users:
              - name: node
                user:
                  token: t
            contexts:
              - name: none
                context:
                  cluster: none
                  user: node
            current-context: none
            """);
        using var node = new CacheNode("k8s", "http://127.0.0.1:1", extraEnv: new Dictionary<string, string>
        {
            ["DISCOVERY"] = "kubernetes",
            ["K8S_SERVICE"] = "groupcache",
            ["K8S_NAMESPACE"] = "default",
            ["KUBECONFIG"] = kubeconfig,
        });

        if (ServiceProcess.PublishedBinary("CacheApp.dll") is null)
        {
            await node.StartAsync();
            Assert.Equal([node.GcAddr], await node.RingAsync());
        }
        else
        {
            node.Launch();
            Assert.True(await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the AOT node ran without the kubernetes discovery it was asked for");
            Assert.Equal(2, node.Process.ExitCode);
            Assert.Contains("DISCOVERY=kubernetes is not in the Native AOT build", node.Process.Output);
            Assert.DoesNotContain("   at ", node.Process.Output);
        }
    }

    [Fact]
    public async Task Gen0Budget_AsTheLaunchersShipIt_IsAppliedByTheBuildUnderTest()
    {
        var (node, applied, _) = await StartWithGen0BudgetAsync("4000000");
        using (node)
        {
            Assert.Equal(64L << 20, applied);
            Assert.DoesNotContain("DOTNET_GCgen0size", node.Process.Output);
        }
    }

    [Fact]
    public async Task Gen0Budget_WrittenWith0x_IsAppliedOrTheNodeSaysAtStartThatItIsNot()
    {
        // The JIT runtime reads "0x4000000"; Native AOT does not, and would otherwise run with its
        // default budget without a word.
        var (node, applied, nativeAot) = await StartWithGen0BudgetAsync("0x4000000");
        using (node)
        {
            if (nativeAot)
            {
                Assert.True(applied < 64L << 20, $"the AOT build applied {applied} bytes");
                Assert.True(
                    await TestHttp.EventuallyAsync(() => Task.FromResult(node.Process.Output.Contains("DOTNET_GCgen0size=0x4000000 asks for a gen0 budget of 67108864 bytes", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)),
                    "no warning at start: " + node.Process.Output);
                Assert.Contains("write it without 0x (DOTNET_GCgen0size=4000000)", node.Process.Output);
            }
            else
            {
                Assert.Equal(64L << 20, applied);
                Assert.DoesNotContain("DOTNET_GCgen0size", node.Process.Output);
            }
        }
    }

    /// <summary>A node of the build under test started with DOTNET_GCgen0size=<paramref name="value"/>: the budget its status says it applies, and whether it is the AOT build.</summary>
    private static async Task<(CacheNode Node, long AppliedBytes, bool NativeAot)> StartWithGen0BudgetAsync(string value)
    {
        var node = new CacheNode("gen0", "http://127.0.0.1:1", extraEnv: new Dictionary<string, string> { ["DOTNET_GCgen0size"] = value });
        try
        {
            await node.StartAsync();
            var process = (await node.StatusAsync()).GetProperty("process");
            return (node, process.GetProperty("gen0MaxBudgetBytes").GetInt64(), process.GetProperty("nativeAot").GetBoolean());
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }
}
