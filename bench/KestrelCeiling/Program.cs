// The bare-Kestrel ceiling: the same route shape as the cache nodes' data endpoint, answering a fixed
// 40-byte JSON body, the size of a hit in the benchmark's hit scenario. No cache, no logging per
// request. Whatever a cache node built on ASP.NET Core reaches, it cannot beat this on the same box.
// Usage: dotnet KestrelCeiling.dll --urls http://127.0.0.1:PORT [--mode source]
//
// With --mode source it is instead the load runner's stub source for the scaling scenario: GET
// /api/data/{key} answers {"key":KEY,"value":V}, V the 100 bytes ("v-" + KEY + "-", padded with 'x')
// that SourceApp holds for the runner's fresh keys, computed, so that millions of cold keys load
// without a database behind them.
var builder = WebApplication.CreateBuilder(args);

// Without an appsettings file the default level is Information, which logs two lines per request.
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var app = builder.Build();

byte[] body = """{"key":"h00001","value":"val-h00001xxx"}"""u8.ToArray();
if (body.Length != 40)
{
    throw new InvalidOperationException($"The ceiling body must be 40 bytes, not {body.Length}.");
}

if (app.Configuration["mode"] == "source")
{
    app.MapGet("/api/data/{key}", (string key) => TypedResults.Bytes(StubRecord(key), "application/json"));
}
else
{
    app.MapGet("/api/data/{key}", (string key) => TypedResults.Bytes(body, "application/json"));
}

app.MapGet("/health", () => TypedResults.Text("ok"));

app.Run();

// The key comes from the URL: serialized, so that whatever needs escaping in JSON is escaped.
static byte[] StubRecord(string key)
{
    string value = ("v-" + key + "-").PadRight(100, 'x');
    return System.Text.Encoding.UTF8.GetBytes(
        "{\"key\":" + System.Text.Json.JsonSerializer.Serialize(key, StubJson.Default.String) +
        ",\"value\":" + System.Text.Json.JsonSerializer.Serialize(value, StubJson.Default.String) + "}");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class StubJson : System.Text.Json.Serialization.JsonSerializerContext;
