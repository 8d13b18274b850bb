using k8s.Models;

namespace GroupCache.Kubernetes.Tests;

/// <summary>EndpointSlices as the EndpointSlice controller writes them for a Service.</summary>
internal static class Slices
{
    public const string Namespace = "shop";
    public const string Service = "cache";

    /// <summary>An IPv4 slice of <paramref name="service"/> with the given ports and endpoints.</summary>
    public static V1EndpointSlice Of(string name, IEnumerable<V1Endpoint> endpoints, (string Name, int Port)[]? ports = null, string service = Service, string @namespace = Namespace) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = @namespace,
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
        },
        AddressType = "IPv4",
        Ports = [.. (ports ?? [("api", 8080), ("groupcache", 8081)]).Select(p => new Discoveryv1EndpointPort { Name = p.Name, Port = p.Port, Protocol = "TCP" })],
        Endpoints = [.. endpoints],
    };

    /// <summary>An endpoint; <paramref name="ready"/> null leaves the condition out, as the API allows.</summary>
    public static V1Endpoint Endpoint(string address, bool? ready = true, bool? terminating = null) => new()
    {
        Addresses = [address],
        Conditions = new V1EndpointConditions { Ready = ready, Serving = ready, Terminating = terminating },
    };
}
