using System.Net.Sockets;

namespace GroupCache.Http.Tests.Support;

/// <summary>One request as the scripted peer read it, and the means to answer it.</summary>
internal sealed class ScriptedExchange(Socket socket, string head, int index, int connection, int onConnection, CancellationToken stopping)
{
    /// <summary>The request's number among all the peer read (from 0).</summary>
    public int Index { get; } = index;

    /// <summary>The number of the connection it came on (from 0).</summary>
    public int Connection { get; } = connection;

    /// <summary>Its number on that connection (from 0: the first request of the connection).</summary>
    public int OnConnection { get; } = onConnection;

    public string Head { get; } = head;

    /// <summary>The key: the request target's last segment, unescaped.</summary>
    public string Key
    {
        get
        {
            string target = Head.Split(' ')[1];
            return Uri.UnescapeDataString(target[(target.LastIndexOf('/') + 1)..]);
        }
    }

    public CancellationToken Stopping { get; } = stopping;

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await socket.SendAsync(bytes, SocketFlags.None, Stopping);

    /// <summary>Sends on the calling thread, blocking while the client does not read.</summary>
    public void Send(ReadOnlySpan<byte> bytes) => socket.Send(bytes);

    /// <summary>A clean close (FIN) in both directions.</summary>
    public void Close() => socket.Shutdown(SocketShutdown.Both);

    /// <summary>A reset (RST): the connection is dropped with whatever was in flight.</summary>
    public void Reset()
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }
}
