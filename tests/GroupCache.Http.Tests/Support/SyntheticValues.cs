using System.Globalization;
using System.Text;

namespace GroupCache.Http.Tests.Support;

/// <summary>
/// The values gopeer's getter makes, so that C# and Go nodes load the same bytes for a key:
/// "bin:N:..." is N bytes, byte i = (i*31 + UTF-8 length of the key) % 256; "missing:..." is not
/// found; anything else is "v:" + key.
/// </summary>
internal static class SyntheticValues
{
    public static ByteView For(string key)
    {
        if (key.StartsWith("missing:", StringComparison.Ordinal))
        {
            throw new NotFoundException("not found: " + key);
        }

        if (TryBinSize(key, out int size))
        {
            int keyLength = Encoding.UTF8.GetByteCount(key);
            byte[] bytes = new byte[size];
            for (int i = 0; i < size; i++)
            {
                bytes[i] = (byte)(((i * 31) + keyLength) % 256);
            }

            return new ByteView(bytes);
        }

        return ByteView.FromString("v:" + key);
    }

    private static bool TryBinSize(string key, out int size)
    {
        size = 0;
        if (!key.StartsWith("bin:", StringComparison.Ordinal))
        {
            return false;
        }

        int end = key.IndexOf(':', 4);
        return end > 4 && int.TryParse(key.AsSpan(4, end - 4), NumberStyles.None, CultureInfo.InvariantCulture, out size);
    }
}
