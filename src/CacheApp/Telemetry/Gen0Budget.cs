using System.Globalization;

namespace CacheApp.Telemetry;

/// <summary>
/// The collector's young-generation budget, which our launchers raise with <c>DOTNET_GCgen0size</c>
/// (docs/CACHEAPP.md says why). The runtime reads that variable only from the environment, as hex
/// digits; Native AOT ignores a value written with a <c>0x</c> prefix, silently. This class reports
/// the budget the runtime applied, and says so when it is not the one asked for.
/// </summary>
internal static class Gen0Budget
{
    public const string Variable = "DOTNET_GCgen0size";

    // Fixed when the runtime starts; read once rather than on every status request.
    private static readonly long AppliedMax =
        GC.GetConfigurationVariables().TryGetValue("GCGen0MaxBudget", out object? value) && value is long or ulong or int
            ? Convert.ToInt64(value, CultureInfo.InvariantCulture)
            : 0;

    /// <summary>The largest gen0 budget the runtime applies, in bytes; 0 when the runtime does not say.</summary>
    public static long AppliedMaxBytes() => AppliedMax;

    /// <summary>
    /// A warning when <see cref="Variable"/> asks for a budget the runtime did not apply (unreadable,
    /// or read as something else); null when it is unset or in effect.
    /// </summary>
    public static string? Mismatch(string? requested, long appliedMaxBytes)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return null;
        }

        string digits = requested.Trim();
        bool prefixed = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (prefixed)
        {
            digits = digits[2..];
        }

        if (!long.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long asked) || asked <= 0)
        {
            return $"{Variable}={requested} is not a byte count in hex digits (for 64 MiB: {Variable}=4000000); the runtime's default gen0 budget applies";
        }

        if (appliedMaxBytes >= asked)
        {
            return null;
        }

        string hint = prefixed ? $"; write it without 0x ({Variable}={digits}), which Native AOT does not read" : "";
        return $"{Variable}={requested} asks for a gen0 budget of {asked} bytes, the runtime applies at most {appliedMaxBytes}{hint}";
    }
}
