using static GroupCache.Kubernetes.Tests.Slices;

namespace GroupCache.Kubernetes.Tests;

/// <summary>
/// The default client configuration outside a pod: the kubeconfig that KUBECONFIG names. The only
/// test that sets the variable; the others give the source a configuration of their own.
/// </summary>
public sealed class DefaultConfigurationTests : IAsyncLifetime
{
    private const string Self = "http://127.0.0.10:8081";
    private readonly string _kubeconfig = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}.yaml");
    private StubKubernetesApi _api = null!;

    public async Task InitializeAsync() => _api = await StubKubernetesApi.StartAsync();

    public async Task DisposeAsync()
    {
        File.Delete(_kubeconfig);
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task OutsideACluster_KubeconfigNamedByTheEnvironment_UsedWithItsToken()
    {
        await File.WriteAllTextAsync(_kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: stub
                cluster:
                  server: {_api.Url}
            users:
              - name: tester
                user:
                  token: kubeconfig-token
            contexts:
              - name: stub
                context:
                  cluster: stub
                  user: tester
            current-context: stub
            """);
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        string? before = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("KUBECONFIG", _kubeconfig);
        try
        {
            var options = new KubernetesDiscoveryOptions { ServiceName = Service, Namespace = Namespace, Self = Self };
            await using var ring = new RingWatcher(new KubernetesPeerSource(options, new RecordingLogger<KubernetesPeerSource>()));

            await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
            Assert.Contains("Bearer kubeconfig-token", _api.Authorizations);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", before);
        }
    }
}
