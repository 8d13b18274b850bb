using System.Text.RegularExpressions;
using CacheApp.Configuration;
using k8s.Models;
using SourceApp.Options;
using YamlDotNet.RepresentationModel;

namespace Deploy.Tests;

/// <summary>
/// Safe by default: every kustomization runs the cache nodes with a cluster secret and the source
/// with a write token and the nodes' secret, each from a Secret that the repository does not hold
/// (a secret everyone with a clone knows is none) and that the documented command creates.
/// </summary>
public partial class SecretTests
{
    [Fact]
    public void CacheApp_InEveryKustomization_RunsWithAClusterSecretFromASecret()
    {
        foreach (string kustomization in Manifests.Kustomizations)
        {
            string? secret = CacheSettings(Manifests.Of(kustomization)).ClusterSecret;

            Assert.True(secret is not null, $"{Repository.Relative(kustomization)}: the cache nodes run without CLUSTER_SECRET, so any pod in the cluster can read values over the peer port and make them forget keys");
            Assert.True(SecretStandIn.Source(secret) is not null, $"{Repository.Relative(kustomization)}: the nodes' CLUSTER_SECRET is written in the manifest rather than taken from a Secret");
        }
    }

    [Fact]
    public void SourceApp_InEveryKustomization_RequiresAWriteTokenFromASecret()
    {
        foreach (string kustomization in Manifests.Kustomizations)
        {
            string? token = SourceOptions(Manifests.Of(kustomization)).WriteToken;

            Assert.True(token is not null, $"{Repository.Relative(kustomization)}: SourceApp runs without a write token, so any pod in the cluster can PUT and DELETE its records");
            Assert.True(SecretStandIn.Source(token) is not null, $"{Repository.Relative(kustomization)}: SourceApp's write token is written in the manifest rather than taken from a Secret");
        }
    }

    [Fact]
    public void SourceApp_InEveryKustomization_NotifiesWithTheNodesSecret_FromTheSameSecretAndKey()
    {
        foreach (string kustomization in Manifests.Kustomizations)
        {
            var manifests = Manifests.Of(kustomization);
            var nodes = SecretStandIn.Source(CacheSettings(manifests).ClusterSecret);
            var notify = SecretStandIn.Source(SourceOptions(manifests).NotifySecret);

            Assert.True(notify is not null, $"{Repository.Relative(kustomization)}: SourceApp has no notify secret from a Secret, so nodes with a cluster secret refuse its invalidations (401)");
            Assert.True(notify == nodes, $"{Repository.Relative(kustomization)}: SourceApp's notify secret comes from {notify}, the nodes' cluster secret from {nodes?.ToString() ?? "nowhere"}; one Secret key for both keeps them equal through a rotation");
        }
    }

    [Fact]
    public void SourceApp_InEveryKustomization_WriteTokenIsNotTheClusterSecret()
    {
        foreach (string kustomization in Manifests.Kustomizations)
        {
            var manifests = Manifests.Of(kustomization);
            var nodes = SecretStandIn.Source(CacheSettings(manifests).ClusterSecret);
            var token = SecretStandIn.Source(SourceOptions(manifests).WriteToken);

            Assert.True(nodes is not null && token is not null, $"{Repository.Relative(kustomization)}: the cluster secret (from {nodes?.ToString() ?? "no Secret"}) and the write token (from {token?.ToString() ?? "no Secret"}) must both come from a Secret");
            Assert.True(token != nodes, $"{Repository.Relative(kustomization)}: the write token is the cluster secret's key {nodes}: whoever may write records could also speak for the cluster");
        }
    }

    [Fact]
    public void SecretsThePodsRead_AreNotInTheRepository()
    {
        var referenced = ReferencedSecretKeys();
        Assert.True(referenced.Count > 0, "no pod reads a Secret: the nodes and the source run open");

        foreach (string file in Directory.GetFiles(Path.Combine(Repository.Root, "deploy"), "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            foreach (var root in stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>())
            {
                bool isSecret = root.Children.TryGetValue(new YamlScalarNode("kind"), out var kind) && kind is YamlScalarNode { Value: "Secret" };
                Assert.False(isSecret && (HasEntries(root, "data") || HasEntries(root, "stringData")), $"{Repository.Relative(file)} commits a Secret with its values");
                if (root.Children.TryGetValue(new YamlScalarNode("secretGenerator"), out var generators) && generators is YamlSequenceNode items)
                {
                    Assert.False(items.OfType<YamlMappingNode>().Any(g => HasEntries(g, "literals")), $"{Repository.Relative(file)} generates a Secret from literals written in it");
                }
            }
        }
    }

    /// <summary>The pods wait (CreateContainerConfigError) until the Secret exists: the guide's command must make the one they read.</summary>
    [Fact]
    public void KubernetesGuide_CreatesTheSecretThePodsRead_InTheirNamespace()
    {
        string guide = File.ReadAllText(Path.Combine(Repository.Root, "docs", "KUBERNETES.md")).Replace("\\\n", " ", StringComparison.Ordinal);
        var commands = CreateSecretCommand().Matches(guide).ToList();
        Assert.True(commands.Count > 0, "docs/KUBERNETES.md does not say how to create the Secret the pods read");

        foreach (var (secret, key) in ReferencedSecretKeys())
        {
            Assert.True(
                commands.Any(c => c.Groups["namespace"].Value == Manifests.Namespace && c.Groups["name"].Value == secret && c.Groups["key"].Captures.Any(k => k.Value == key)),
                $"docs/KUBERNETES.md creates no Secret {secret} with key {key} in namespace {Manifests.Namespace}");
        }
    }

    private static CacheAppSettings CacheSettings(IEnumerable<Manifest> manifests)
    {
        var env = ManifestTests.PodEnvironment(Manifests.Effective(manifests, "cacheapp"));
        env["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
        return SettingsLoader.Load(name => env.GetValueOrDefault(name), () => throw new InvalidOperationException("SELF_HOST is set in the manifest"));
    }

    private static SourceOptions SourceOptions(IEnumerable<Manifest> manifests)
    {
        var container = Manifests.Effective(manifests, "sourceapp");
        var env = ManifestTests.PodEnvironment(container);
        var parsed = SourceOptionsParser.Parse([.. container.Args ?? []], name => env.GetValueOrDefault(name));
        Assert.True(parsed.Error is null, $"SourceApp rejects its args: {parsed.Error}");
        return parsed.Options!;
    }

    private static HashSet<(string Secret, string Key)> ReferencedSecretKeys() =>
        [.. Manifests.Containers(Manifests.All).SelectMany(c => c.Container.Env ?? []).Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>().Select(r => (r.Name, r.Key))];

    private static bool HasEntries(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlMappingNode or YamlSequenceNode && value.AllNodes.Skip(1).Any();

    [GeneratedRegex(@"kubectl\s+-n\s+(?<namespace>\S+)\s+create\s+secret\s+generic\s+(?<name>\S+)(?:\s+--from-literal=(?<key>[^=\s]+)=(?:""[^""]*""|\S+))+")]
    private static partial Regex CreateSecretCommand();
}
