using System.Text;

namespace SourceApp.Tests.Support;

/// <summary>PUTs written byte for byte on a raw socket, for framing that HttpClient will not send or read back.</summary>
internal static class RawHttp
{
    /// <summary>
    /// PUT /api/data/big to <paramref name="server"/> over a raw socket that reads the answer while it
    /// writes: a server that answers early and closes is read, where HttpClient may report only its own
    /// broken pipe. The body need not be what <paramref name="framingHeader"/> declares.
    /// </summary>
    public static async Task<string> PutAsync(Uri server, string framingHeader, IEnumerable<byte[]> body)
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(server.Host, server.Port);
        var stream = socket.GetStream();
        var reading = ReadToEndAsync(stream);
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"PUT /api/data/big HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{framingHeader}\r\n\r\n"));
            foreach (byte[] piece in body)
            {
                await stream.WriteAsync(piece);
            }
        }
        catch (IOException)
        {
            // The server stopped reading once it had answered: expected.
        }

        return await reading.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>A 413 with a JSON error and no stack trace, whatever the answer's framing.</summary>
    public static void Assert413(string answer)
    {
        Assert.StartsWith("HTTP/1.1 413 ", answer, StringComparison.Ordinal);
        string body = answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Matches("\"error\" *: *\"[^\"]+\"", body);
        Assert.DoesNotContain("   at ", body); // no stack trace
    }

    /// <summary>Everything the server sends until it closes, as it does after a 413: one answer.</summary>
    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // A reset after the answer arrived: what was read is the answer.
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }
}
