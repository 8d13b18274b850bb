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
        JsonElement current = root;
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

        return current.ValueKind == JsonValueKind.Number && current.TryGetInt64(out value);
    }
}
