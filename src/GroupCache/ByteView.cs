using System.Text;

namespace GroupCache;

/// <summary>
/// An immutable view of a cached value's bytes. Copying a <see cref="ByteView"/> never copies the
/// bytes: the cache hands out the very memory it holds, so callers must not mutate what
/// <see cref="AsMemory"/> exposes through unsafe means. Use <see cref="ToArray"/> for a private copy.
/// </summary>
public readonly partial struct ByteView : IEquatable<ByteView>
{
    private readonly ReadOnlyMemory<byte> _bytes;

    /// <summary>Wraps <paramref name="bytes"/> without copying; the caller gives up the right to change them.</summary>
    public ByteView(ReadOnlyMemory<byte> bytes) => _bytes = bytes;

    /// <summary>A view of no bytes (the default value).</summary>
    public static ByteView Empty => default;

    /// <summary>A view over a private copy of <paramref name="bytes"/>.</summary>
    public static ByteView CopyOf(ReadOnlySpan<byte> bytes) => new(bytes.ToArray());

    /// <summary>A view over the UTF-8 encoding of <paramref name="text"/>.</summary>
    public static ByteView FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The number of bytes.</summary>
    public int Length => _bytes.Length;

    /// <summary>True when the view holds no bytes.</summary>
    public bool IsEmpty => _bytes.IsEmpty;

    /// <summary>The bytes, read-only, without a copy.</summary>
    public ReadOnlySpan<byte> Span => _bytes.Span;

    /// <summary>The bytes as read-only memory, without a copy.</summary>
    public ReadOnlyMemory<byte> AsMemory() => _bytes;

    /// <summary>The byte at <paramref name="index"/>.</summary>
    public byte this[int index] => _bytes.Span[index];

    /// <summary>A view of the bytes from <paramref name="start"/> on, without a copy.</summary>
    public ByteView Slice(int start) => new(_bytes[start..]);

    /// <summary>A view of <paramref name="length"/> bytes from <paramref name="start"/>, without a copy.</summary>
    public ByteView Slice(int start, int length) => new(_bytes.Slice(start, length));

    /// <summary>A fresh copy of the bytes, safe to mutate.</summary>
    public byte[] ToArray() => _bytes.ToArray();

    /// <summary>Copies the bytes to <paramref name="destination"/> and returns how many were copied.</summary>
    public int CopyTo(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _bytes.Length);
        _bytes.Span[..n].CopyTo(destination);
        return n;
    }

    /// <summary>The bytes decoded as UTF-8.</summary>
    public override string ToString() => Encoding.UTF8.GetString(_bytes.Span);

    /// <summary>True when both views hold the same bytes.</summary>
    public bool Equals(ByteView other) => _bytes.Span.SequenceEqual(other._bytes.Span);

    /// <summary>True when the view holds the same bytes as <paramref name="other"/>.</summary>
    public bool Equals(ReadOnlySpan<byte> other) => _bytes.Span.SequenceEqual(other);

    /// <summary>True when the bytes are the UTF-8 encoding of <paramref name="text"/>.</summary>
    public bool EqualsString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // Compared as bytes, not as decoded text: decoding turns invalid bytes into U+FFFD, so
        // F1 80 80 (a cut-short sequence, 3 bytes like U+FFFD's own) used to equal "\uFFFD".
        return StrictUtf8.IsEncodingOf(_bytes.Span, text);
    }

    /// <summary>True when <paramref name="obj"/> is a <see cref="ByteView"/> with the same bytes.</summary>
    public override bool Equals(object? obj) => obj is ByteView other && Equals(other);

    /// <summary>A hash of the bytes, consistent with <see cref="Equals(ByteView)"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes.Span);
        return hash.ToHashCode();
    }

    /// <summary>True when both views hold the same bytes.</summary>
    public static bool operator ==(ByteView left, ByteView right) => left.Equals(right);

    /// <summary>True when the views hold different bytes.</summary>
    public static bool operator !=(ByteView left, ByteView right) => !left.Equals(right);
}
