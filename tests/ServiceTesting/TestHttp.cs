using System.Net;
using System.Text;
using System.Text.Json;

namespace ServiceTesting;

/// <summary>One HttpClient for the tests' requests (to 127.0.0.1 only) and small JSON helpers.</summary>
public static class TestHttp
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

    public static StringContent ValueBody(string value) =>
        new(JsonSerializer.Serialize(new { value }), Encoding.UTF8, "application/json");

    public static async Task PutValueAsync(string sourceUrl, string key, string value, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"{sourceUrl}/api/data/{Uri.EscapeDataString(key)}")) { Content = ValueBody(value) };
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Client.SendAsync(request);
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
