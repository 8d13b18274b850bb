using System.Globalization;
using System.Text.RegularExpressions;

namespace ServiceTesting;

/// <summary>Reads samples out of a service's <c>GET /metrics</c> (Prometheus' text format).</summary>
public static class PrometheusText
{
    /// <summary>The value of the first sample of <paramref name="name"/> whose labels contain <paramref name="label"/> (e.g. <c>state="dns"</c>), or null when there is none.</summary>
    public static double? Sample(string text, string name, string label)
    {
        foreach (Match line in Regex.Matches(text, "^" + Regex.Escape(name) + @"(\{[^}]*\})? (\S+)", RegexOptions.Multiline))
        {
            if (line.Groups[1].Value.Contains(label, StringComparison.Ordinal))
            {
                return double.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>One scrape of <c>{baseUrl}/metrics</c>.</summary>
    public static Task<string> ScrapeAsync(string baseUrl) => TestHttp.Client.GetStringAsync(baseUrl + "/metrics");
}
