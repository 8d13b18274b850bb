using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Reliability.Tests.Support;

/// <summary>What came back on a raw connection: the status (0 when the server closed without one, -1 when it did not answer in time) and the text.</summary>
internal sealed record RawResponse(int Status, string Text);

/// <summary>
/// HTTP over a bare TCP connection to 127.0.0.1, for requests HttpClient refuses to send: broken
/// request lines, raw bytes in the target, lying lengths, slow senders.
/// </summary>
internal static class RawHttp
{
    private const int MaxResponseBytes = 64 * 1024;

    /// <summary>Sends <paramref name="request"/>, then reads until the server closes, the response is complete, or <paramref name="timeout"/>.</summary>
    public static async Task<RawResponse> SendAsync(int port, byte[] request, TimeSpan timeout)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
            var stream = client.GetStream();
            try
            {
                await stream.WriteAsync(request, cts.Token);
            }
            catch (IOException)
            {
                // The server may answer (e.g. 431) and close before reading everything we send.
            }

            await ReadAsync(stream, received, cts.Token);
        }
        catch (OperationCanceledException)
        {
            return Parse(received, timedOut: true);
        }
        catch (IOException)
        {
        }
        catch (SocketException)
        {
        }

        return Parse(received, timedOut: false);
    }

    /// <summary>A slow sender: <paramref name="request"/> one byte every <paramref name="every"/> for at most <paramref name="duration"/>, then hangs up.</summary>
    public static async Task<RawResponse> TrickleAsync(int port, byte[] request, TimeSpan every, TimeSpan duration)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var received = new MemoryStream();
        var reading = ReadAsync(stream, received, CancellationToken.None);
        var until = DateTime.UtcNow + duration;
        try
        {
            for (int i = 0; i < request.Length && DateTime.UtcNow < until && !reading.IsCompleted; i++)
            {
                await stream.WriteAsync(request.AsMemory(i, 1));
                await Task.Delay(every);
            }
        }
        catch (IOException)
        {
        }

        client.Client.Shutdown(SocketShutdown.Both);
        await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(2)));
        return Parse(received, timedOut: false);
    }

    public static byte[] Bytes(string ascii) => Encoding.Latin1.GetBytes(ascii);

    private static async Task ReadAsync(NetworkStream stream, MemoryStream into, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (into.Length < MaxResponseBytes)
            {
                int n = await stream.ReadAsync(buffer, cancellationToken);
                if (n == 0)
                {
                    return;
                }

                into.Write(buffer, 0, n);
                if (IsComplete(into))
                {
                    return;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    // A response with a Content-Length is complete once that many body bytes arrived; others end at close.
    private static bool IsComplete(MemoryStream received)
    {
        string text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        foreach (string line in text[..end].Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(line["Content-Length:".Length..].Trim(), out int length))
            {
                return text.Length - end - 4 >= length;
            }
        }

        return false;
    }

    private static RawResponse Parse(MemoryStream received, bool timedOut)
    {
        string text = Encoding.UTF8.GetString(received.GetBuffer(), 0, (int)received.Length);
        if (text.StartsWith("HTTP/1.", StringComparison.Ordinal) && text.Length >= 12 && int.TryParse(text.AsSpan(9, 3), out int status))
        {
            return new RawResponse(status, text);
        }

        return new RawResponse(timedOut ? -1 : 0, text);
    }
}
