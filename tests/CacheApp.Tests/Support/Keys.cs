namespace CacheApp.Tests.Support;

/// <summary>Test keys, odd ones included: every one must round-trip through both services.</summary>
internal static class Keys
{
    public static readonly string[] Odd =
    [
        "slash/inside", "two//slashes", "plus+sign", "space inside", "percent%sign", "question?mark",
        "hash#tag", "amp&eq=x", "ünïcödé-€", "emoji-🙂", "dots..", "colon:semi;", "quote\"s", "back\\slash",
        "tilde~", "trailing/", "%2F-literal",
    ];

    /// <summary><paramref name="count"/> distinct keys with a prefix, the odd keys first.</summary>
    public static IReadOnlyList<string> Make(string prefix, int count) =>
        [.. Odd.Select(k => prefix + k).Append((prefix + new string('L', 250))[..250]).Concat(Enumerable.Range(0, count).Select(i => $"{prefix}k{i}")).Take(count)];

    public static string ValueOf(string key) => $"value of {key} ✓";
}
