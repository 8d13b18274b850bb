using System.IO.Compression;
using System.Net;

namespace Packaging.Tests;

/// <summary>The sample, built from the packed packages, as three nodes of one cluster.</summary>
public class ProductCatalogSampleTests(PackedSample sample) : IClassFixture<PackedSample>
{
    private const int Keys = 100;

    [Fact]
    public async Task ThreeInstances_HundredKeysReadThroughEach_EachKeyLoadedOnceAcrossCluster()
    {
        Assert.Equal(3, sample.Addresses.Count);
        foreach (string address in sample.Addresses)
        {
            for (int id = 1; id <= Keys; id++)
            {
                var (status, body) = await TestHttp.GetJsonAsync($"{address}/products/{id}");
                Assert.True(status == HttpStatusCode.OK, $"{address}/products/{id} answered {(int)status}\n{sample.InstanceLogs()}");
                Assert.Equal(id, body.GetProperty("id").GetInt32());
                Assert.Equal($"product {id}", body.GetProperty("name").GetString());
            }
        }

        var loadsByKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var loadsByInstance = new List<int>();
        foreach (string address in sample.Addresses)
        {
            var (status, stats) = await TestHttp.GetJsonAsync($"{address}/stats");
            Assert.Equal(HttpStatusCode.OK, status);
            loadsByInstance.Add(stats.GetProperty("loads").GetInt32());
            foreach (var entry in stats.GetProperty("byKey").EnumerateObject())
            {
                loadsByKey[entry.Name] = loadsByKey.GetValueOrDefault(entry.Name) + entry.Value.GetInt32();
            }
        }

        for (int id = 1; id <= Keys; id++)
        {
            Assert.True(loadsByKey.GetValueOrDefault($"{id}") == 1, $"key {id} was loaded {loadsByKey.GetValueOrDefault($"{id}")} times across the three");
        }

        Assert.Equal(Keys, loadsByKey.Count);
        // The ring spreads the keys: every node owns, and so loaded, some of them.
        Assert.All(loadsByInstance, loads => Assert.InRange(loads, 1, Keys - 2));
    }

    [Fact]
    public async Task UnknownProduct_ReadThroughAnInstance_Answers404()
    {
        using var response = await TestHttp.Client.GetAsync(new Uri($"{sample.Addresses[0]}/products/100000"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("GroupCache")]
    [InlineData("GroupCache.Http")]
    [InlineData("GroupCache.Kubernetes")]
    [InlineData("GroupCache.Dns")]
    public void Package_Packed_CarriesReadmeXmlDocsLicenceAndSymbols(string id)
    {
        string nupkg = Directory.GetFiles(sample.Packages, $"{id}.0*.nupkg").Single();
        using var package = ZipFile.OpenRead(nupkg);
        var entries = package.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("README.md", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);

        using var nuspec = new StreamReader(package.GetEntry($"{id}.nuspec")!.Open());
        string manifest = nuspec.ReadToEnd();
        Assert.Contains("<license type=\"expression\">MIT</license>", manifest, StringComparison.Ordinal);
        Assert.Contains("<readme>README.md</readme>", manifest, StringComparison.Ordinal);
        Assert.Contains($"<id>{id}</id>", manifest, StringComparison.Ordinal);

        using var xmlDocs = new StreamReader(package.GetEntry($"lib/net10.0/{id}.xml")!.Open());
        Assert.Contains("<member name=\"T:GroupCache.", xmlDocs.ReadToEnd(), StringComparison.Ordinal);

        string snupkg = Path.ChangeExtension(nupkg, ".snupkg");
        Assert.True(File.Exists(snupkg), $"no {snupkg}");
        using var symbols = ZipFile.OpenRead(snupkg);
        Assert.Contains($"lib/net10.0/{id}.pdb", symbols.Entries.Select(e => e.FullName));
    }
}
