using System.Text.Json;
using System.Text.Json.Serialization;
using CacheApp.Api;
using CacheApp.Cluster;

namespace CacheApp;

/// <summary>Source-generated JSON for every body the service reads or writes (no reflection at run time).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ClusterMessage))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(PeersResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(RemoveResponse))]
internal sealed partial class CacheAppJsonContext : JsonSerializerContext;
