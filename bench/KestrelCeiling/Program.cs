// The bare-Kestrel ceiling: the same route shape as the cache nodes' data endpoint, answering a fixed
// 40-byte JSON body, the size of a hit in the benchmark's hit scenario. No cache, no logging per
// request. Whatever a cache node built on ASP.NET Core reaches, it cannot beat this on the same box.
// Usage: dotnet KestrelCeiling.dll --urls http://127.0.0.1:PORT
var builder = WebApplication.CreateBuilder(args);

// Without an appsettings file the default level is Information, which logs two lines per request.
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var app = builder.Build();

byte[] body = """{"key":"h00001","value":"val-h00001xxx"}"""u8.ToArray();
if (body.Length != 40)
{
    throw new InvalidOperationException($"The ceiling body must be 40 bytes, not {body.Length}.");
}

app.MapGet("/api/data/{key}", (string key) => TypedResults.Bytes(body, "application/json"));
app.MapGet("/health", () => TypedResults.Text("ok"));

app.Run();
