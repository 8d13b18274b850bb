using System.Globalization;

namespace GroupCache.Http.Tests.Interop;

/// <summary>The keys the mixed ring is tested with: odd characters, binary values of 0 B, 1 B and 1 MiB.</summary>
internal static class InteropKeys
{
    // Text elements, so that a random pick never splits a surrogate pair.
    private static readonly string[] Alphabet =
    [
        "a", "b", "c", "X", "Y", "Z", "0", "1", "9", " ", " ", "+", "+", "/", "%", "?", "#", "&", "=", ":", ";", ".", "~", "-", "_",
        "é", "文", "中", "😀", "\t", "'", "\"", "\\", "<", ">", "[", "]", "@", "!", ",",
    ];

    public static readonly string[] Odd =
    [
        " ", "+", "a b", "x+y", "a+b c", " leading", "trailing ", "a  b", "++", "a/b/c", "/", "//x", "a//b", "100%", "%", "%2F", "%20",
        "%zz", "q?x=1&y=2", "#frag", "?", "中文键", "ключ", "emoji-😀", "tab\there", "nl\nhere", "~!@$^*()_-=[]{};:'\",.<>|\\`",
        "a/../b", "..", ".", "./x", "x/.",
    ];

    /// <summary>At least 1,000 distinct keys, the same on every run.</summary>
    public static IReadOnlyList<string> All()
    {
        var keys = new List<string>(Odd);
        keys.AddRange(["bin:0:a", "bin:0:b c", "bin:1:x", "bin:1:y+z", "bin:1048576:big-1", "bin:1048576:big 2", "bin:1048576:big+3/4"]);
        var random = new Random(20261126);
        for (int i = 0; i < 12; i++)
        {
            keys.Add(string.Create(CultureInfo.InvariantCulture, $"bin:{random.Next(2, 70_000)}:r{i} {i}+"));
        }

        while (keys.Count < 1100)
        {
            int length = random.Next(1, 24);
            string key = string.Concat(Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)]));
            if (!keys.Contains(key))
            {
                keys.Add(key);
            }
        }

        return keys;
    }
}
