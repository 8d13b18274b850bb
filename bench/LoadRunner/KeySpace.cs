using System.Globalization;

namespace LoadRunner;

/// <summary>
/// The keys each scenario uses and the source rows behind them. Small values are 13 characters, so a
/// hit's body, {"key":"h00001","value":"val-h00001xxx"}, is exactly the ceiling's 40 bytes; fresh values
/// are the 100 bytes the memory scenario asks for.
/// </summary>
public static class KeySpace
{
    public const int HitKeys = 10_000;
    public const int PeerCandidates = 5_000;
    public const int PeerKeys = 1_000;
    public const int StormKeys = 100;
    public const int FreshWidth = 7;
    public const int FreshValueBytes = 100;

    /// <summary>Keys for warming a node up in the miss scenario, before its measured range.</summary>
    public const int MissWarmupKeys = 60_000;

    public static string Hit(int i) => "h" + i.ToString("D5", CultureInfo.InvariantCulture);

    public static string Peer(int i) => "p" + i.ToString("D5", CultureInfo.InvariantCulture);

    public static string Storm(int i) => "s" + i.ToString("D3", CultureInfo.InvariantCulture);

    public static string Fresh(long i) => "f" + i.ToString("D7", CultureInfo.InvariantCulture);

    public static string SmallValue(string key) => "val-" + key + new string('x', 13 - 4 - key.Length);

    public static string FreshValue(string key) => ("v-" + key + "-").PadRight(FreshValueBytes, 'x');

    public static IEnumerable<(string, string)> Rows(long freshCount)
    {
        for (int i = 0; i < HitKeys; i++)
        {
            yield return Small(Hit(i));
        }

        for (int i = 0; i < PeerCandidates; i++)
        {
            yield return Small(Peer(i));
        }

        for (int i = 0; i < StormKeys; i++)
        {
            yield return Small(Storm(i));
        }

        for (long i = 0; i < freshCount; i++)
        {
            string key = Fresh(i);
            yield return (key, FreshValue(key));
        }

        static (string, string) Small(string key) => (key, SmallValue(key));
    }
}
