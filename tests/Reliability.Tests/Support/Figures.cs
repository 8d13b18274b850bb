using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Reliability.Tests.Support;

/// <summary>
/// A scenario's figures: printed to the test output and written to
/// <c>{test output}/reliability-figures/{scenario}.json</c>, which docs/RELIABILITY.md quotes.
/// </summary>
internal sealed class Figures(string scenario, ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DictionaryKeyPolicy = null, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonObject _root = new() { ["scenario"] = scenario, ["date"] = DateTimeOffset.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture) };

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "reliability-figures");

    public Figures Add(string name, object? value)
    {
        _root[name] = JsonSerializer.SerializeToNode(value, Indented);
        return this;
    }

    /// <summary>Prints and writes the figures; call it before asserting, so that a failing run still leaves them.</summary>
    public void Write()
    {
        string json = _root.ToJsonString(Indented);
        output.WriteLine(json);
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, scenario + ".json"), json);
    }
}
