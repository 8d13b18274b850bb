using LoadRunner;

namespace LoadRunner.Tests;

public class RunnerOptionsTests
{
    [Fact]
    public void Parse_NoArguments_FullRunWithBothSystems()
    {
        var o = RunnerOptions.Parse([]);

        Assert.False(o.Quick);
        Assert.Equal(2, o.Rounds);
        Assert.Equal(RunnerOptions.DefaultMemoryEntries, o.MemoryEntries);
        Assert.Equal(["go", "ours"], o.Systems.Order());
        Assert.Equal(RunnerOptions.DefaultScenarios.Order(), o.Scenarios.Order());
    }

    [Fact]
    public void Parse_QuickAfterExplicitFlag_ExplicitFlagWins()
    {
        var o = RunnerOptions.Parse(["--memory-entries", "5000", "--quick"]);

        Assert.True(o.Quick);
        Assert.Equal(1, o.Rounds);
        Assert.Equal(5000, o.MemoryEntries);
        Assert.Equal(TimeSpan.FromSeconds(5), o.Duration);
    }

    [Theory]
    [InlineData("--scenarios", "hit,nope")]
    [InlineData("--systems", "ours,rust")]
    [InlineData("--rounds", "0")]
    [InlineData("--ours-env", "NOEQUALS")]
    [InlineData("--bogus", "1")]
    public void Parse_BadArgument_Throws(string flag, string value)
    {
        Assert.Throws<ArgumentException>(() => RunnerOptions.Parse([flag, value]));
    }

    [Fact]
    public void Parse_AotSystemWithoutBinary_Throws()
    {
        Assert.Throws<ArgumentException>(() => RunnerOptions.Parse(["--systems", "ours,aot"]));
    }

    [Fact]
    public void Parse_AotBinary_AddsAotSystem()
    {
        var o = RunnerOptions.Parse(["--aot-binary", "/tmp/CacheApp", "--ours-env", "DOTNET_gcServer=1"]);

        Assert.Contains("aot", o.Systems);
        Assert.Equal("1", o.OursEnv["DOTNET_gcServer"]);
    }
}
