using k8s;

namespace GroupCache.Kubernetes;

/// <summary>
/// Where <c>AddKubernetesDiscovery</c> finds the ring: the EndpointSlices of one Service in one
/// namespace, the port of one name, and how it reaches the API server.
/// </summary>
public sealed class KubernetesDiscoveryOptions
{
    /// <summary>The port name used when none is given.</summary>
    public const string DefaultPortName = "groupcache";

    /// <summary>The file in which Kubernetes tells a pod its namespace (the service-account volume).</summary>
    public const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>The Service whose endpoints are the ring (its EndpointSlices carry the label <c>kubernetes.io/service-name</c>).</summary>
    public string? ServiceName { get; set; }

    /// <summary>The Service's namespace; when unset, the pod's own, read from <see cref="NamespaceFile"/>.</summary>
    public string? Namespace { get; set; }

    /// <summary>The file read for the namespace when <see cref="Namespace"/> is unset.</summary>
    public string NamespaceFile { get; set; } = ServiceAccountNamespaceFile;

    /// <summary>
    /// The name of the Service port that serves the peer protocol. A slice without a port of that
    /// name is read by <see cref="PortNumber"/> when one is set (with a warning, once), else it names
    /// no peer (with a warning, once). Null chooses the port by number only.
    /// </summary>
    public string? PortName { get; set; } = DefaultPortName;

    /// <summary>
    /// The peer protocol's port number (the pods' container port, which a slice's port carries): the
    /// port when <see cref="PortName"/> is null, and the fallback for a slice without a port of that name.
    /// </summary>
    public int? PortNumber { get; set; }

    /// <summary>This node's base URL (<c>http://pod-ip:port</c>), always on the ring, also before the API lists the pod.</summary>
    public string? Self { get; set; }

    /// <summary>The scheme of the peers' base URLs (<c>http</c> or <c>https</c>).</summary>
    public string Scheme { get; set; } = "http";

    /// <summary>
    /// Makes the client's configuration. By default: in a pod, the in-cluster one (service-account
    /// token, CA and <c>KUBERNETES_SERVICE_HOST</c>); outside, the kubeconfig files that
    /// <c>KUBECONFIG</c> names (a node run on a developer's machine); else the in-cluster one fails
    /// and says what is missing. Called again after a failure until it succeeds.
    /// </summary>
    public Func<KubernetesClientConfiguration> ClientConfiguration { get; set; } = DefaultClientConfiguration;

    private static KubernetesClientConfiguration DefaultClientConfiguration() =>
        !KubernetesClientConfiguration.IsInCluster() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBECONFIG"))
            ? KubernetesClientConfiguration.BuildDefaultConfig()
            : KubernetesClientConfiguration.InClusterConfig();

    /// <summary>
    /// The first wait after a failed list or watch; each further failure doubles it, up to
    /// <see cref="MaxBackoff"/>. A watch still open after this long (and at least 2 s) works, quiet as it may be.
    /// </summary>
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts while the API cannot be reached.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the API server keeps one watch open (its <c>timeoutSeconds</c>); the source then lists afresh.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The most peers taken into the ring: this node and the first others in address order; the rest
    /// are left out and logged. Keep it above the number of pods: past it, each node's ring is a
    /// different set (each keeps itself), so nodes disagree on owners and removals miss the nodes a
    /// sender's ring leaves out.
    /// </summary>
    public int MaxPeers { get; set; } = 1024;
}
