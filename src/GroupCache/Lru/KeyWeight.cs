using System.Text;

namespace GroupCache.Lru;

/// <summary>What a key weighs in a cache's byte budget: its UTF-8 length, as Go's <c>len(key)</c>.</summary>
internal static class KeyWeight
{
    public static int Of(string key) =>
        key.Length < 128 && Ascii.IsValid(key) ? key.Length : Encoding.UTF8.GetByteCount(key);
}
