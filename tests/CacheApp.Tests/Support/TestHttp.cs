using System.Net;
using System.Text;
using System.Text.Json;

namespace CacheApp.Tests.Support;

/// <summary>One HttpClient for the tests' requests (to 127.0.0.1 only) and small JSON helpers.</summary>
internal static class TestHttp
{
    public static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(string url)
    {
        using var response = await Client.GetAsync(new Uri(url));
        string text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, doc.RootElement.Clone());
    }

    public static async Task PutValueAsync(string sourceUrl, string key, string value)
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { value }), Encoding.UTF8, "application/json");
        using var response = await Client.PutAsync(new Uri($"{sourceUrl}/api/data/{Uri.EscapeDataString(key)}"), content);
        Assert.True(response.IsSuccessStatusCode, $"PUT {key} to the source answered {(int)response.StatusCode}");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100));
        }
    }
}
