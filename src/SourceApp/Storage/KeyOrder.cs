using System.Text;

namespace SourceApp.Storage;

/// <summary>
/// SQLite's default BINARY collation compares TEXT as UTF-8 bytes, which is Unicode code point order.
/// .NET's ordinal comparison is UTF-16 code unit order, which differs for characters above U+FFFF, so
/// anything that must agree with the database's order uses these helpers.
/// </summary>
public static class KeyOrder
{
    /// <summary>Compares two strings by code point, as SQLite orders TEXT keys.</summary>
    public static int Compare(string a, string b)
    {
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var hasA = ea.MoveNext();
            var hasB = eb.MoveNext();
            if (!hasA || !hasB)
            {
                return hasA.CompareTo(hasB);
            }

            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }

    /// <summary>
    /// The smallest string greater than every string that starts with <paramref name="prefix"/>
    /// (its last code point incremented, carrying past U+10FFFF), or null when there is none.
    /// Then "starts with prefix" is the index range <c>prefix &lt;= key &lt; upper</c>.
    /// </summary>
    public static string? PrefixUpperBound(string prefix)
    {
        var runes = new List<Rune>();
        foreach (var rune in prefix.EnumerateRunes())
        {
            runes.Add(rune);
        }

        while (runes.Count > 0)
        {
            var last = runes[^1].Value;
            runes.RemoveAt(runes.Count - 1);
            if (last == 0x10FFFF)
            {
                continue;
            }

            var next = last == 0xD7FF ? 0xE000 : last + 1; // skip the surrogate range: not scalar values
            runes.Add(new Rune(next));
            var sb = new StringBuilder(prefix.Length + 1);
            foreach (var r in runes)
            {
                sb.Append(r.ToString());
            }

            return sb.ToString();
        }

        return null;
    }
}
