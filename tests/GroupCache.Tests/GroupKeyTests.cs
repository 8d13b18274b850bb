namespace GroupCache.Tests;

/// <summary>
/// Keys that are not well-formed UTF-16 (a lone surrogate) are refused where they enter the group:
/// in UTF-8, on the ring and in a peer's URL, they would be another key (with U+FFFD in place).
/// </summary>
public class GroupKeyTests
{
    // By name, not as data: a lone surrogate does not survive a test name's trip through UTF-8.
    public static TheoryData<string> BrokenKeys() => ["high-at-end", "low-alone", "high-then-high", "pair-reversed", "high-before-ascii"];

    [Theory]
    [MemberData(nameof(BrokenKeys))]
    public async Task GetAsync_LoneSurrogate_ThrowsAndAsksNeitherPeerNorGetter(string name)
    {
        string key = KeyOf(name);
        foreach (bool ownedByPeer in new[] { true, false })
        {
            var getter = new CountingGetter();
            var picker = new FakePicker(new FakePeer(), _ => ownedByPeer);
            var group = new Group("g", 1 << 20, getter, picker);

            var error = Assert.Throws<ArgumentException>(() => group.GetAsync(key));
            Assert.Equal("key", error.ParamName);
            Assert.Contains("lone surrogate", error.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => group.TryGetAsync(key));
            Assert.Throws<ArgumentException>(() => group.GetForPeerAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(async () => await group.GetStringAsync(key));

            Assert.Equal(0, picker.Peer.Hits);
            Assert.Equal(0, getter.Loads);
            Assert.Equal(0, group.Stats.Gets);
        }
    }

    [Theory]
    [MemberData(nameof(BrokenKeys))]
    public async Task Remove_LoneSurrogate_ThrowsAndAsksNoPeer(string name)
    {
        string key = KeyOf(name);
        var picker = new FakePicker(new FakePeer(), _ => true);
        var group = new Group("g", 1 << 20, new CountingGetter(), picker);

        Assert.Equal("key", Assert.Throws<ArgumentException>(() => group.Remove(key)).ParamName);
        Assert.Equal("key", (await Assert.ThrowsAsync<ArgumentException>(() => group.RemoveAsync(key))).ParamName);
        Assert.Equal(0, picker.Peer.Removes);
    }

    [Theory]
    [MemberData(nameof(BrokenKeys))]
    public void NewGroup_NameWithALoneSurrogate_Throws(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new Group(KeyOf(name), 1 << 20, new CountingGetter()));

        Assert.Equal("name", error.ParamName);
        Assert.Contains("group name holds a lone surrogate", error.Message, StringComparison.Ordinal);
        Assert.Equal("g😀", new Group("g😀", 1 << 20, new CountingGetter()).Name);
    }

    [Fact]
    public async Task GetAsync_SurrogatePairs_AreKeys()
    {
        var group = new Group("g", 1 << 20, new CountingGetter());

        Assert.Equal("local:k\U0001F600", (await group.GetAsync("k\U0001F600")).ToString());
        Assert.Equal("local:\U0001F600\U00010000", (await group.GetAsync("\U0001F600\U00010000")).ToString());
        Assert.True(group.Remove("k\U0001F600"));
    }

    [Fact]
    public void GetAsync_NullKey_StillThrowsArgumentNull() =>
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => new Group("g", 1 << 20, new CountingGetter()).GetAsync(null!)).ParamName);

    private static string KeyOf(string name) => name switch
    {
        "high-at-end" => "k\uD800",
        "low-alone" => "\uDC00k",
        "high-then-high" => "k\uD83D\uD83Dx",
        "pair-reversed" => "k\uDE00\uD83D",
        "high-before-ascii" => "\uD83Dk",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
