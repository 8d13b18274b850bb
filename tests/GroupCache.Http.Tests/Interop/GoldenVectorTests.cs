using System.Diagnostics;

namespace GroupCache.Http.Tests.Interop;

/// <summary>
/// The golden vectors in tests/vectors are what tests/GoVectors writes with the real
/// golang/groupcache: regenerating them must give exactly the committed bytes, so that the
/// vectors the other tests trust can never drift from the library they describe.
/// </summary>
public sealed class GoldenVectorTests
{
    [Theory]
    [InlineData("consistenthash.json")]
    [InlineData("go-client-paths.json")]
    [InlineData("getresponse.json")]
    public async Task Regenerate_WithRealGroupCache_GivesCommittedFile(string file)
    {
        string committed = Path.Combine(GoProgram.TestsFolder(), "vectors", file);
        string outDir = Directory.CreateTempSubdirectory("govectors-").FullName;
        try
        {
            await RunGeneratorAsync(outDir);

            byte[] expected = await File.ReadAllBytesAsync(committed);
            byte[] actual = await File.ReadAllBytesAsync(Path.Combine(outDir, file));
            Assert.True(expected.Length > 100, $"{committed} is almost empty");
            Assert.True(
                expected.AsSpan().SequenceEqual(actual),
                $"tests/GoVectors writes a different {file} than the committed one; regenerate with tests/GoVectors/generate.sh and review the diff.");
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    private static async Task RunGeneratorAsync(string outDir)
    {
        var start = new ProcessStartInfo(GoProgram.GoVectors)
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-out");
        start.ArgumentList.Add(outDir);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start govectors.");
        string stderr = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"govectors failed ({process.ExitCode}): {stderr}");
    }
}
