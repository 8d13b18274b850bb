using System.Text.Json;

namespace LoadRunner.Infrastructure;

/// <summary>Reads a number at a property path, ignoring case (Go's stats are PascalCase, ours camelCase).</summary>
public static class JsonPath
{
    public static long Long(JsonElement root, params string[] path) =>
        TryLong(root, out long value, path) ? value : throw new KeyNotFoundException($"no number at {string.Join('.', path)} in {root}");

    public static bool TryLong(JsonElement root, out long value, params string[] path)
    {
        value = 0;
        return TryFind(root, out var found, path) && found.ValueKind == JsonValueKind.Number && found.TryGetInt64(out value);
    }

    /// <summary>A number that may have a fraction; NaN when the path is missing.</summary>
    public static double DoubleOrNaN(JsonElement root, params string[] path) =>
        TryFind(root, out var found, path) && found.ValueKind == JsonValueKind.Number ? found.GetDouble() : double.NaN;

    private static bool TryFind(JsonElement root, out JsonElement current, string[] path)
    {
        current = root;
        foreach (string name in path)
        {
            if (current.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            bool found = false;
            foreach (var property in current.EnumerateObject())
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    current = property.Value;
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }
}
