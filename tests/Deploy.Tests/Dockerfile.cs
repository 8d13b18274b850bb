namespace Deploy.Tests;

/// <summary>A Dockerfile as instructions (continuation lines joined, comments dropped), split into stages.</summary>
internal sealed record Dockerfile(string Path, IReadOnlyList<IReadOnlyList<(string Instruction, string Arguments)>> Stages)
{
    public static IReadOnlyList<string> All => [.. Directory.GetFiles(Repository.DockerDir, "*.Dockerfile").Order(StringComparer.Ordinal)];

    public IReadOnlyList<(string Instruction, string Arguments)> Final => Stages[^1];

    public static Dockerfile Load(string path)
    {
        var stages = new List<List<(string, string)>>();
        string pending = "";
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            line = pending + line;
            pending = "";
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            string instruction = (space < 0 ? line : line[..space]).ToUpperInvariant();
            string arguments = space < 0 ? "" : line[(space + 1)..].Trim();
            if (instruction == "FROM")
            {
                stages.Add([]);
            }

            if (stages.Count == 0)
            {
                throw new InvalidOperationException($"{path}: {instruction} before the first FROM");
            }

            stages[^1].Add((instruction, arguments));
        }

        return new Dockerfile(path, stages);
    }

    /// <summary>The arguments of an exec-form instruction (<c>["a", "b"]</c>).</summary>
    public static IReadOnlyList<string> ExecForm(string arguments) => System.Text.Json.JsonSerializer.Deserialize<string[]>(arguments)
        ?? throw new FormatException($"not an exec form: {arguments}");
}
