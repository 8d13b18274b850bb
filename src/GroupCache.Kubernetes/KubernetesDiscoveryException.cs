namespace GroupCache.Kubernetes;

/// <summary>A watch of EndpointSlices that failed in the stream (an ERROR event other than 410 Gone, or a bad line).</summary>
internal sealed class KubernetesDiscoveryException(string message, Exception inner) : Exception(message, inner);
