using System.Text.Json;
using System.Text.Json.Serialization;
using CacheApp.Api;

namespace CacheApp.Dashboard;

/// <summary>Source-generated JSON for the dashboard's endpoints and the member statuses it reads.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ClusterResponse))]
[JsonSerializable(typeof(OwnerResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
