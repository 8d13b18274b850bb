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
}
