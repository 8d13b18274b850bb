using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Deploy.Tests;

/// <summary>One Kubernetes object from a file under deploy/kubernetes or an overlay beside it.</summary>
internal sealed record Manifest(string File, object Object)
{
    public override string ToString() => $"{Repository.Relative(File)}: {Object.GetType().Name}";
}

/// <summary>
/// deploy/kubernetes and its overlays read as typed objects (strict: a misspelt field fails), apart
/// from the kustomization files, which are read as plain YAML. The base is deploy/kubernetes; overlays
/// are the folders beside it (deploy/kubernetes-*), each a kustomization of the base plus patches.
/// </summary>
internal static class Manifests
{
    public static IReadOnlyList<string> Files { get; } = [.. Repository.KustomizeDirs.SelectMany(d => Directory.GetFiles(d, "*.yaml", SearchOption.AllDirectories)).Order(StringComparer.Ordinal)];

    public static IReadOnlyList<string> Kustomizations => [.. Files.Where(f => Path.GetFileName(f) == "kustomization.yaml")];

    public static IReadOnlyList<Manifest> All { get; } = Load();

    /// <summary>The objects of the base (deploy/kubernetes), which every overlay starts from.</summary>
    public static IReadOnlyList<Manifest> Base => [.. All.Where(m => Path.GetDirectoryName(m.File) == Repository.KubernetesDir)];

    public static IEnumerable<T> OfType<T>(IEnumerable<Manifest> manifests) => manifests.Select(m => m.Object).OfType<T>();

    /// <summary>The namespace the base kustomization puts everything in.</summary>
    public static string Namespace => ((YamlScalarNode)Kustomization(Path.Combine(Repository.KubernetesDir, "kustomization.yaml"))["namespace"]).Value!;

    public static YamlMappingNode Kustomization(string file)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(file));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    public static IEnumerable<string> ListOf(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode items
            ? items.Select(i => i is YamlScalarNode s ? s.Value! : ((YamlScalarNode)((YamlMappingNode)i)["path"]).Value!)
            : [];

    /// <summary>
    /// The objects a kustomization applies, by file: its resources (files, or folders with a
    /// kustomization of their own, followed) and its patches. Patches are not merged into what they
    /// patch; both are listed.
    /// </summary>
    public static IReadOnlyList<Manifest> Of(string kustomization)
    {
        string dir = Path.GetDirectoryName(kustomization)!;
        var node = Kustomization(kustomization);
        var result = new List<Manifest>();
        foreach (string path in ListOf(node, "resources").Concat(ListOf(node, "patches")))
        {
            string full = Path.GetFullPath(Path.Combine(dir, path));
            result.AddRange(Directory.Exists(full) ? Of(Path.Combine(full, "kustomization.yaml")) : All.Where(m => m.File == full));
        }

        return result;
    }

    /// <summary>Every container of every Deployment (patches included), with its file.</summary>
    public static IEnumerable<(Manifest Manifest, V1Deployment Deployment, V1Container Container)> Containers(IEnumerable<Manifest> manifests) =>
        from m in manifests
        where m.Object is V1Deployment
        let d = (V1Deployment)m.Object
        from c in d.Spec?.Template?.Spec?.Containers ?? []
        select (m, d, c);

    /// <summary>
    /// The container named <paramref name="name"/> as a kustomization runs it: the base's, with each
    /// patch's variables merged in by name (replaced, or added), as a strategic merge patch does, and
    /// a patch's args, when it has them, instead of the base's. (kustomize moves a patch's variables to
    /// the front; the order matters only to <c>$(NAME)</c> references, which no patch makes.)
    /// </summary>
    public static V1Container Effective(IEnumerable<Manifest> manifests, string name)
    {
        var containers = Containers(manifests).Select(c => c.Container).Where(c => c.Name == name).ToList();
        Assert.True(containers.Count > 0, $"no container {name}");
        var env = new List<V1EnvVar>();
        IList<string>? args = null;
        foreach (var container in containers)
        {
            foreach (var variable in container.Env ?? [])
            {
                int at = env.FindIndex(e => e.Name == variable.Name);
                if (at >= 0)
                {
                    env[at] = variable;
                }
                else
                {
                    env.Add(variable);
                }
            }

            args = container.Args ?? args;
        }

        return new V1Container { Name = name, Env = env, Args = args, Ports = containers[0].Ports, VolumeMounts = containers[0].VolumeMounts };
    }

    private static List<Manifest> Load()
    {
        var all = new List<Manifest>();
        foreach (string file in Files.Except(Kustomizations))
        {
            foreach (object obj in KubernetesYaml.LoadAllFromString(File.ReadAllText(file), strict: true))
            {
                all.Add(new Manifest(file, obj));
            }
        }

        return all;
    }
}
