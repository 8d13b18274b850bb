using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GroupCache.Http.Tests.Support;

/// <summary>
/// A TCP server on 127.0.0.1 that reads each request head and lets a script answer it with exact
/// bytes: well-formed, broken or hostile. It counts the connections it accepted and the requests
/// it read, so that tests can tell whether the client reused a connection.
/// </summary>
internal sealed class ScriptedPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<ScriptedExchange, Task<bool>> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _serving = [];
    private readonly Task _accepting;
    private int _connections;
    private int _closed;

    private ScriptedPeer(Func<ScriptedExchange, Task<bool>> script)
    {
        _script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        _accepting = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections accepted and not yet closed (by either side).</summary>
    public int OpenConnections => Connections - Volatile.Read(ref _closed);

    /// <summary>The request heads read so far, in order of arrival.</summary>
    public List<string> Requests { get; } = [];

    public int RequestCount
    {
        get
        {
            lock (Requests)
            {
                return Requests.Count;
            }
        }
    }

    /// <summary>Answers request number i with <paramref name="script"/>'s bytes (null: say nothing); optionally closes after each answer.</summary>
    public static ScriptedPeer Start(Func<int, string, byte[]?> script, bool closeAfterAnswer = false) =>
        new(async exchange =>
        {
            byte[]? answer = script(exchange.Index, exchange.Head);
            if (answer is null)
            {
                return true; // silent: the client times out
            }

            await exchange.SendAsync(answer);
            if (closeAfterAnswer)
            {
                exchange.Close();
                return false;
            }

            return true;
        });

    /// <summary>Lets <paramref name="script"/> answer each request; it returns false once it has closed or reset the connection.</summary>
    public static ScriptedPeer Start(Func<ScriptedExchange, Task<bool>> script) => new(script);

    public async Task WaitForClosedAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Volatile.Read(ref _closed) < count)
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] serving;
        lock (_serving)
        {
            serving = [.. _serving];
        }

        await Task.WhenAll([_accepting, .. serving]).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                int connection = Interlocked.Increment(ref _connections) - 1;
                lock (_serving)
                {
                    _serving.Add(Task.Run(() => ServeAsync(socket, connection)));
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task ServeAsync(Socket socket, int connection)
    {
        using (socket)
        {
            var buffer = new byte[64 * 1024];
            int have = 0;
            int onConnection = 0;
            try
            {
                while (true)
                {
                    int end;
                    while ((end = buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8)) < 0)
                    {
                        int n = await socket.ReceiveAsync(buffer.AsMemory(have), _stop.Token);
                        if (n == 0)
                        {
                            return;
                        }

                        have += n;
                    }

                    string head = Encoding.ASCII.GetString(buffer, 0, end + 4);
                    buffer.AsSpan(end + 4, have - end - 4).CopyTo(buffer);
                    have -= end + 4;
                    int index;
                    lock (Requests)
                    {
                        index = Requests.Count;
                        Requests.Add(head);
                    }

                    var exchange = new ScriptedExchange(socket, head, index, connection, onConnection++, _stop.Token);
                    if (!await _script(exchange))
                    {
                        return;
                    }
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                Interlocked.Increment(ref _closed);
            }
        }
    }
}
