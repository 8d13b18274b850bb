using CacheApp.Telemetry;

namespace CacheApp.Tests.Telemetry;

public class Gen0BudgetTests
{
    private const long SixtyFourMiB = 64L << 20;
    private const long RuntimeDefault = 6L << 20;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Unset_SaysNothing(string? requested) =>
        Assert.Null(Gen0Budget.Mismatch(requested, RuntimeDefault));

    [Theory]
    [InlineData("4000000")]
    [InlineData("0x4000000")]
    [InlineData("0X4000000")]
    [InlineData(" 4000000 ")]
    public void Applied_SaysNothing(string requested) =>
        Assert.Null(Gen0Budget.Mismatch(requested, SixtyFourMiB));

    [Fact]
    public void BelowTheRuntimesOwnMaximum_SaysNothing() =>
        Assert.Null(Gen0Budget.Mismatch("100000", RuntimeDefault)); // 1 MiB asked, 6 MiB the ceiling

    [Fact]
    public void With0x_NotApplied_SaysToDropThePrefix()
    {
        string? warning = Gen0Budget.Mismatch("0x4000000", RuntimeDefault);

        Assert.Equal(
            "DOTNET_GCgen0size=0x4000000 asks for a gen0 budget of 67108864 bytes, the runtime applies at most 6291456; write it without 0x (DOTNET_GCgen0size=4000000), which Native AOT does not read",
            warning);
    }

    [Fact]
    public void WithoutPrefix_Capped_SaysWhatIsApplied()
    {
        string? warning = Gen0Budget.Mismatch("40000000", SixtyFourMiB); // 1 GiB asked

        Assert.Equal("DOTNET_GCgen0size=40000000 asks for a gen0 budget of 1073741824 bytes, the runtime applies at most 67108864", warning);
    }

    [Theory]
    [InlineData("64MB")]
    [InlineData("67108864.0")]
    [InlineData("0x")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("FFFFFFFFFFFFFFFFFF")]
    public void NotHexDigits_SaysTheDefaultApplies(string requested)
    {
        string? warning = Gen0Budget.Mismatch(requested, RuntimeDefault);

        Assert.Equal($"DOTNET_GCgen0size={requested} is not a byte count in hex digits (for 64 MiB: DOTNET_GCgen0size=4000000); the runtime's default gen0 budget applies", warning);
    }

    [Fact]
    public void AppliedMaxBytes_ReadsTheRuntimesValue() =>
        Assert.True(Gen0Budget.AppliedMaxBytes() > 0, "the runtime does not report GCGen0MaxBudget");
}
