using CacheApp.Configuration;
using k8s;
using k8s.Models;
using SourceApp.Options;

namespace Deploy.Tests;

/// <summary>The manifests agree with the code they run and with each other.</summary>
public class ManifestTests
{
    private static readonly string[] BaseKinds = ["Namespace", "ServiceAccount", "Role", "RoleBinding", "Service", "Deployment", "PersistentVolumeClaim"];

    [Fact]
    public void Files_ParseStrictlyAsKubernetesObjects_BaseHasEveryKindItNeeds()
    {
        Assert.NotEmpty(Manifests.All);
        var kinds = Manifests.Base.Select(m => m.Object).OfType<IKubernetesObject>().Select(o => o.Kind).ToHashSet();

        Assert.All(BaseKinds, kind => Assert.Contains(kind, kinds));
    }

    [Fact]
    public void Kustomizations_NameFilesThatExist_AndTheBaseListsEveryBaseFile()
    {
        foreach (string file in Manifests.Kustomizations)
        {
            var kustomization = Manifests.Kustomization(file);
            string dir = Path.GetDirectoryName(file)!;
            foreach (string path in Manifests.ListOf(kustomization, "resources").Concat(Manifests.ListOf(kustomization, "patches")))
            {
                string full = Path.GetFullPath(Path.Combine(dir, path));
                Assert.True(File.Exists(full) || File.Exists(Path.Combine(full, "kustomization.yaml")), $"{Repository.Relative(file)} names {path}, which does not exist");
            }
        }

        var listed = Manifests.ListOf(Manifests.Kustomization(Path.Combine(Repository.KubernetesDir, "kustomization.yaml")), "resources").ToHashSet();
        var baseFiles = Manifests.Files.Where(f => Path.GetDirectoryName(f) == Repository.KubernetesDir && Path.GetFileName(f) != "kustomization.yaml").Select(f => Path.GetFileName(f)!);
        Assert.All(baseFiles, f => Assert.Contains(f, listed));
    }

    /// <summary>
    /// kustomize refuses a kustomization that includes a folder above its own ("cycle detected"), so
    /// an overlay inside the base's folder cannot be applied at all: overlays sit beside the base.
    /// </summary>
    [Fact]
    public void Kustomizations_IncludeNoFolderThatHoldsThemselves()
    {
        foreach (string file in Manifests.Kustomizations)
        {
            string dir = Path.GetDirectoryName(file)!;
            foreach (string path in Manifests.ListOf(Manifests.Kustomization(file), "resources"))
            {
                string full = Path.GetFullPath(Path.Combine(dir, path));
                bool holdsItself = Directory.Exists(full) && (dir + Path.DirectorySeparatorChar).StartsWith(full.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
                Assert.False(holdsItself, $"{Repository.Relative(file)} includes {path}, a folder that holds it; kustomize refuses that (cycle detected)");
            }
        }
    }

    [Fact]
    public void CacheAppEnv_EveryVariableSet_IsOneCacheAppReads()
    {
        var containers = Manifests.Containers(Manifests.All).Where(c => c.Container.Name == "cacheapp").ToList();
        Assert.NotEmpty(containers);
        foreach (var (manifest, _, container) in containers)
        {
            foreach (var variable in container.Env ?? [])
            {
                Assert.True(
                    ServiceInputs.CacheAppVariables.Contains(variable.Name) || ServiceInputs.IsHostVariable(variable.Name),
                    $"{manifest} sets {variable.Name}, which CacheApp does not read (it reads {string.Join(", ", ServiceInputs.CacheAppVariables.Order())})");
            }
        }
    }

    [Fact]
    public void CacheAppEnv_AsThePodSeesIt_LoadsWithoutError()
    {
        foreach (var (manifest, _, container) in Manifests.Containers(Manifests.Base).Where(c => c.Container.Name == "cacheapp"))
        {
            var env = PodEnvironment(container);
            env["KUBERNETES_SERVICE_HOST"] = "10.96.0.1"; // Kubernetes puts where its API is into every pod

            var settings = SettingsLoader.Load(name => env.GetValueOrDefault(name), () => throw new InvalidOperationException("SELF_HOST is set in the manifest"));

            Assert.Equal("10.1.2.3", settings.SelfHost);
            Assert.Equal("http://10.1.2.3:8081", settings.SelfGroupCacheAddr);
            Assert.Equal(container.Ports.Single(p => p.Name == "api").ContainerPort, settings.ApiPort);
            Assert.Equal(container.Ports.Single(p => p.Name == "groupcache").ContainerPort, settings.GroupCachePort);
            Assert.True(settings.StaticPeers is null, $"{manifest}: a fixed GROUPCACHE_PEERS list has no place in a Deployment");
        }
    }

    [Fact]
    public void SourceApp_ArgsAndEnv_AreFlagsAndVariablesItReads()
    {
        var containers = Manifests.Containers(Manifests.All).Where(c => c.Container.Name == "sourceapp").ToList();
        Assert.NotEmpty(containers);
        foreach (var (manifest, _, container) in containers)
        {
            var env = PodEnvironment(container);
            Assert.All(env.Keys, name => Assert.True(ServiceInputs.SourceAppVariables.Contains(name) || ServiceInputs.IsHostVariable(name), $"{manifest} sets {name}, which SourceApp does not read"));

            var parsed = SourceOptionsParser.Parse([.. container.Args ?? []], name => env.GetValueOrDefault(name));

            Assert.True(parsed.Error is null, $"{manifest}: SourceApp rejects its args: {parsed.Error}");
            Assert.Equal(container.Ports.Single(p => p.Name == "http").ContainerPort, parsed.Options!.Listen.Port);
            var mount = container.VolumeMounts.Single(v => parsed.Options.DatabasePath.StartsWith(v.MountPath + "/", StringComparison.Ordinal));
            Assert.NotNull(Manifests.OfType<V1Deployment>([manifest]).Single().Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name).PersistentVolumeClaim);
        }
    }

    /// <summary>
    /// A write at the source must reach the cache: without -notify (and with no CACHE_TTL) the nodes
    /// served the old value until a pod restarted. One URL through the client Service is enough, as the
    /// node that takes the DELETE tells its whole ring and answers 502 (retried) when a member missed it.
    /// </summary>
    [Fact]
    public void SourceApp_NotifiesTheCacheNodes_ThroughAServiceOnTheirApiPort()
    {
        foreach (string kustomization in Manifests.Kustomizations)
        {
            var manifests = Manifests.Of(kustomization);
            var services = Manifests.OfType<V1Service>(manifests).ToList();
            // The cacheapp Deployment itself, not an overlay's patch of it (which names no labels).
            var cache = Manifests.OfType<V1Deployment>(manifests).Single(d => d.Spec.Template.Metadata?.Labels is not null && d.Spec.Template.Spec.Containers.Any(c => c.Name == "cacheapp"));
            var labels = cache.Spec.Template.Metadata.Labels;
            var apiPort = cache.Spec.Template.Spec.Containers.Single(c => c.Name == "cacheapp").Ports.Single(p => p.Name == "api");
            var sources = Manifests.Containers(manifests).Where(c => c.Container.Name == "sourceapp").ToList();
            Assert.NotEmpty(sources);
            foreach (var (manifest, _, container) in sources)
            {
                var env = PodEnvironment(container);
                var parsed = SourceOptionsParser.Parse([.. container.Args ?? []], name => env.GetValueOrDefault(name));
                Assert.True(parsed.Error is null, $"{manifest}: {parsed.Error}");
                Assert.True(parsed.Options!.NotifyUrls.Count > 0, $"{Repository.Relative(kustomization)}: {manifest} starts SourceApp without -notify, so a write at the source never reaches the cache nodes");
                Assert.False(parsed.Options.NotifyAsync, $"{manifest}: -notify-async answers writes before the nodes forgot the key and gives up after a few rounds; the synchronous default retries until they confirm");
                foreach (var url in parsed.Options.NotifyUrls)
                {
                    var service = services.SingleOrDefault(s => url.Host == s.Metadata.Name || url.Host.StartsWith($"{s.Metadata.Name}.{Manifests.Namespace}.", StringComparison.Ordinal) || url.Host == $"{s.Metadata.Name}.{Manifests.Namespace}");
                    Assert.True(service is not null, $"{Repository.Relative(kustomization)}: -notify {url} names no Service of this kustomization");
                    Assert.True(service.Spec.Selector.All(s => labels.TryGetValue(s.Key, out string? v) && v == s.Value), $"-notify {url}: Service {service.Metadata.Name} does not select the cacheapp pods");
                    Assert.True(service.Spec.ClusterIP != "None", $"-notify {url}: Service {service.Metadata.Name} is headless, so the name is one pod's address, not the Service's");
                    var port = service.Spec.Ports.SingleOrDefault(p => p.Port == url.Port);
                    Assert.True(port is not null, $"-notify {url}: Service {service.Metadata.Name} has no port {url.Port}");
                    Assert.True(port.TargetPort.Value == apiPort.Name || port.TargetPort.Value == apiPort.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), $"-notify {url}: port {url.Port} of Service {service.Metadata.Name} targets {port.TargetPort.Value}, not the cache pods' api port");
                    Assert.Equal("http", url.Scheme);
                }
            }
        }
    }

    [Fact]
    public void Services_TargetPortsAreNamedPortsOfThePodsTheySelect()
    {
        var deployments = Manifests.OfType<V1Deployment>(Manifests.Base).ToList();
        foreach (var service in Manifests.OfType<V1Service>(Manifests.Base))
        {
            var pods = deployments.Where(d => service.Spec.Selector.All(s => d.Spec.Template.Metadata.Labels.TryGetValue(s.Key, out string? v) && v == s.Value)).ToList();
            Assert.True(pods.Count == 1, $"Service {service.Metadata.Name} selects {pods.Count} Deployments");
            var containerPorts = pods[0].Spec.Template.Spec.Containers.SelectMany(c => c.Ports).ToList();
            foreach (var port in service.Spec.Ports)
            {
                Assert.False(string.IsNullOrEmpty(port.Name), $"Service {service.Metadata.Name} has an unnamed port");
                var target = containerPorts.SingleOrDefault(p => p.Name == port.TargetPort.Value);
                Assert.True(target is not null, $"Service {service.Metadata.Name} targets port {port.TargetPort.Value}, which {pods[0].Metadata.Name}'s pods do not name");
                Assert.True(port.Name == target.Name, $"Service {service.Metadata.Name}'s port {port.Name} targets the pods' {target.Name}: one name for both keeps discovery's K8S_PORT_NAME unambiguous");
            }
        }
    }

    [Fact]
    public void Discovery_NamesTheHeadlessServiceItsPortAndNamespace()
    {
        var env = PodEnvironment(Manifests.Containers(Manifests.Base).Single(c => c.Container.Name == "cacheapp").Container);
        var peers = Manifests.OfType<V1Service>(Manifests.Base).Single(s => s.Metadata.Name == env["K8S_SERVICE"]);

        Assert.Equal("None", peers.Spec.ClusterIP);
        Assert.True(peers.Spec.PublishNotReadyAddresses is null or false);
        Assert.Equal("kubernetes", env["DISCOVERY"]);
        Assert.Contains(peers.Spec.Ports, p => p.Name == env["K8S_PORT_NAME"]);
        Assert.Equal(env["GROUPCACHE_PORT"], peers.Spec.Ports.Single(p => p.Name == env["K8S_PORT_NAME"]).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // The DNS overlay resolves the same headless Service in the base's namespace.
        var dnsEnv = Manifests.Containers(Manifests.All).Where(c => c.Container.Name == "cacheapp" && c.Container.Env.Any(e => e.Name == "DNS_NAME")).ToList();
        Assert.NotEmpty(dnsEnv);
        foreach (var (manifest, _, container) in dnsEnv)
        {
            var patch = container.Env.ToDictionary(e => e.Name, e => e.Value);
            Assert.Equal("dns", patch["DISCOVERY"]);
            Assert.Equal($"{peers.Metadata.Name}.{Manifests.Namespace}.svc.cluster.local", patch["DNS_NAME"]);
        }

        // The source URL is the source's Service.
        var source = new Uri(env["SOURCEAPP_SERVICE_URL"]);
        var sourceService = Manifests.OfType<V1Service>(Manifests.Base).Single(s => s.Metadata.Name == source.Host);
        Assert.Contains(sourceService.Spec.Ports, p => p.Port == source.Port);
    }

    [Fact]
    public void Rbac_CacheAppAccount_MayListAndWatchEndpointSlices()
    {
        var deployment = Manifests.OfType<V1Deployment>(Manifests.Base).Single(d => d.Metadata.Name == "cacheapp");
        string account = deployment.Spec.Template.Spec.ServiceAccountName;
        Assert.Contains(Manifests.OfType<V1ServiceAccount>(Manifests.Base), a => a.Metadata.Name == account);

        var binding = Manifests.OfType<V1RoleBinding>(Manifests.Base).Single(b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == account));
        Assert.Equal("Role", binding.RoleRef.Kind);
        var role = Manifests.OfType<V1Role>(Manifests.Base).Single(r => r.Metadata.Name == binding.RoleRef.Name);

        var rule = Assert.Single(role.Rules, r => r.ApiGroups.Contains("discovery.k8s.io") && r.Resources.Contains("endpointslices"));
        Assert.Contains("list", rule.Verbs);
        Assert.Contains("watch", rule.Verbs);
        Assert.DoesNotContain(role.Rules.SelectMany(r => r.Verbs), v => v is "*" or "create" or "update" or "patch" or "delete");
    }

    [Fact]
    public void Pods_RunAsNonRootWithRequestsLimitsAndBothProbes()
    {
        foreach (var (manifest, deployment, container) in Manifests.Containers(Manifests.Base))
        {
            Assert.True(deployment.Spec.Template.Spec.SecurityContext?.RunAsNonRoot == true, $"{manifest}: runAsNonRoot");
            Assert.True(container.SecurityContext?.AllowPrivilegeEscalation == false, $"{manifest}: allowPrivilegeEscalation");
            foreach (string resource in new[] { "cpu", "memory" })
            {
                Assert.True(container.Resources?.Requests?.ContainsKey(resource) == true, $"{manifest}: {container.Name} requests no {resource}");
                Assert.True(container.Resources?.Limits?.ContainsKey(resource) == true, $"{manifest}: {container.Name} has no {resource} limit");
            }

            Assert.NotNull(container.ReadinessProbe?.HttpGet);
            Assert.NotNull(container.LivenessProbe?.HttpGet);
        }
    }

    /// <summary>
    /// The container's environment as the kubelet builds it: values from the downward API stand in
    /// as a pod's would, a Secret's key as <see cref="SecretStandIn"/> names it, and <c>$(NAME)</c>
    /// refers to a variable defined above it.
    /// </summary>
    internal static Dictionary<string, string> PodEnvironment(V1Container container)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container.Env ?? [])
        {
            string value = variable.ValueFrom switch
            {
                null => variable.Value ?? "",
                { SecretKeyRef: { } secret } => SecretStandIn.For(secret.Name, secret.Key),
                { FieldRef.FieldPath: "status.podIP" } => "10.1.2.3",
                { FieldRef.FieldPath: "metadata.name" } => "cacheapp-5d9c7b-abcde",
                { FieldRef.FieldPath: "metadata.namespace" } => Manifests.Namespace,
                _ => throw new InvalidOperationException($"{container.Name}: no stand-in for {variable.Name}'s valueFrom"),
            };
            foreach (var (name, earlier) in env)
            {
                value = value.Replace($"$({name})", earlier, StringComparison.Ordinal);
            }

            env[variable.Name] = value;
        }

        return env;
    }
}
