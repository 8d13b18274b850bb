namespace Deploy.Tests;

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string KubernetesDir => Path.Combine(Root, "deploy", "kubernetes");

    /// <summary>The base (<see cref="KubernetesDir"/>) and the overlays beside it (deploy/kubernetes-*).</summary>
    public static IEnumerable<string> KustomizeDirs => Directory.GetDirectories(Path.Combine(Root, "deploy"), "kubernetes*");

    public static string DockerDir => Path.Combine(Root, "deploy", "docker");

    public static string Relative(string path) => Path.GetRelativePath(Root, path);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GroupCache.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no GroupCache.slnx above {AppContext.BaseDirectory}");
    }
}
