using System.Globalization;

namespace CacheApp.Configuration;

/// <summary>Parses the sizes and durations that settings are written in.</summary>
public static class ValueParsers
{
    /// <summary>
    /// A byte count: a plain number of bytes, or a number with a unit — <c>B</c>, <c>K</c>/<c>KB</c>/<c>KiB</c>,
    /// <c>M</c>/<c>MB</c>/<c>MiB</c>, <c>G</c>/<c>GB</c>/<c>GiB</c>, case-insensitive. Units are binary
    /// (64MB = 64 × 1024 × 1024), as cache budgets usually are.
    /// </summary>
    public static bool TryParseByteSize(string? text, out long bytes)
    {
        bytes = 0;
        if (!TrySplit(text, out var digits, out string unit) ||
            !decimal.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
        {
            return false;
        }

        long multiplier = unit.ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => 0,
        };
        if (multiplier == 0)
        {
            return false;
        }

        // Compared before multiplying: a product past decimal's range (28 digits and a T) throws.
        if (number > (decimal)long.MaxValue / multiplier)
        {
            return false;
        }

        decimal total = number * multiplier;
        if (total > long.MaxValue || total != decimal.Truncate(total))
        {
            return false;
        }

        bytes = (long)total;
        return true;
    }

    /// <summary>
    /// A duration: a number with a unit <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c> (Go style, like
    /// <c>500ms</c> or <c>3s</c>), or a plain number of seconds.
    /// </summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (!TrySplit(text, out var digits, out string unit) ||
            !double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number))
        {
            return false;
        }

        double? ms = unit.ToLowerInvariant() switch
        {
            "ms" => number,
            "" or "s" => number * 1000,
            "m" => number * 60_000,
            "h" => number * 3_600_000,
            _ => null,
        };
        if (ms is null || ms > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(ms.Value);
        return true;
    }

    /// <summary>Splits "64MB" or " 1.5 s " into its number ("64", "1.5") and its unit ("MB", "s"); false without a number.</summary>
    private static bool TrySplit(string? text, out ReadOnlySpan<char> number, out string unit)
    {
        number = default;
        unit = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        int digits = 0;
        while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
        {
            digits++;
        }

        if (digits == 0)
        {
            return false;
        }

        number = span[..digits];
        unit = span[digits..].Trim().ToString();
        return true;
    }
}
