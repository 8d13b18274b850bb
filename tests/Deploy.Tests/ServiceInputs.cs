using System.Text.RegularExpressions;
using SourceApp.Options;

namespace Deploy.Tests;

/// <summary>
/// What the services read, taken from their code rather than copied here: CacheApp's environment
/// variables are the upper-case string literals its settings readers (src/CacheApp/Configuration)
/// pass as a call's first argument (<c>Get("SELF_HOST")</c>, <c>Port("API_PORT", …)</c>),
/// SourceApp's are the parser's named constants (its flags are checked by running the parser).
/// </summary>
internal static partial class ServiceInputs
{
    /// <summary>Variables the .NET host and ASP.NET Core read themselves.</summary>
    private static readonly string[] HostPrefixes = ["DOTNET_", "ASPNETCORE_", "OTEL_"];

    public static IReadOnlySet<string> CacheAppVariables { get; } = ScanCacheApp();

    public static IReadOnlySet<string> SourceAppVariables { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        SourceOptionsParser.TokenEnvironmentVariable,
        SourceOptionsParser.NotifySecretEnvironmentVariable,
    };

    public static bool IsHostVariable(string name) => HostPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    private static HashSet<string> ScanCacheApp()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        string folder = Path.Combine(Repository.Root, "src", "CacheApp", "Configuration");
        foreach (string file in Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match match in VariableLiteral().Matches(File.ReadAllText(file)))
            {
                names.Add(match.Groups[1].Value);
            }
        }

        return names;
    }

    [GeneratedRegex("\\(\\s*\"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\"")]
    private static partial Regex VariableLiteral();
}
