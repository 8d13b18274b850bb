namespace GroupCache.Tests;

public class GroupRegistryTests
{
    [Fact]
    public void NewGroup_SameNameTwice_Throws()
    {
        var registry = new GroupRegistry();
        registry.NewGroup("data", 100, new CountingGetter());

        Assert.Throws<InvalidOperationException>(() => registry.NewGroup("data", 100, new CountingGetter()));
    }

    [Fact]
    public void TryGet_FindsRegisteredGroupsByName()
    {
        var registry = new GroupRegistry();
        var data = registry.NewGroup("data", 100, new CountingGetter());

        Assert.True(registry.TryGet("data", out var found));
        Assert.Same(data, found);
        Assert.False(registry.TryGet("other", out _));
        Assert.Single(registry.Groups);
    }

    [Fact]
    public void Registries_AreIndependent()
    {
        var a = new GroupRegistry();
        var b = new GroupRegistry();
        a.NewGroup("data", 100, new CountingGetter());

        b.NewGroup("data", 100, new CountingGetter());

        Assert.True(b.TryGet("data", out _));
    }
}
