using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace KestrelGuard.Tests;

public class VersionGuardReaderTests
{
    private const string Get = "GET / HTTP/1.1\r\n\r\n";
    private const string Bad = "GET / HTTP/9.9\r\n\r\n";

    [Fact]
    public async Task ReadAsync_GoodRequests_HandsOverTheSameBytes()
    {
        var (pipe, guard) = await GuardedAsync(Get + Get);

        var read = await guard.ReadAsync();

        Assert.Equal(Get + Get, Text(read.Buffer));
        guard.AdvanceTo(read.Buffer.End);
        pipe.Writer.Complete();
        Assert.True((await guard.ReadAsync()).IsCompleted);
    }

    [Fact]
    public async Task ReadAsync_BadLineAfterAGoodRequest_CutsThereThenReplacesIt()
    {
        var (_, guard) = await GuardedAsync(Get + Bad);

        var first = await guard.ReadAsync();
        Assert.Equal(Get, Text(first.Buffer));
        Assert.False(first.IsCompleted);
        guard.AdvanceTo(first.Buffer.End);

        var second = await guard.ReadAsync();
        Assert.Equal("(\r\n", Text(second.Buffer));
        Assert.True(second.IsCompleted);
    }

    [Fact]
    public async Task ReadAsync_PartlyConsumedBeforeTheBadLine_OffersTheRestAgain()
    {
        var (_, guard) = await GuardedAsync(Get + Bad);

        var first = await guard.ReadAsync();
        guard.AdvanceTo(first.Buffer.GetPosition(4), first.Buffer.GetPosition(4));
        var second = await guard.ReadAsync();
        Assert.Equal(Get[4..], Text(second.Buffer));
        guard.AdvanceTo(second.Buffer.End);

        Assert.Equal("(\r\n", Text((await guard.ReadAsync()).Buffer));
    }

    [Fact]
    public async Task ReadAsync_ReaderWantsMoreThanTheCutGives_StepsAsideAndPassesEverything()
    {
        // A consumer that frames differently: it keeps the cut bytes, has examined all of them and
        // asks again. The guard must not spin on the same cut; it hands over the real bytes.
        var (_, guard) = await GuardedAsync(Get + Bad);

        var first = await guard.ReadAsync();
        guard.AdvanceTo(first.Buffer.Start, first.Buffer.End);
        var second = await guard.ReadAsync();

        Assert.Equal(Get + Bad, Text(second.Buffer));
    }

    [Fact]
    public async Task ReadAsync_BadLineArrivesInPieces_IsReplacedOnceComplete()
    {
        var (pipe, guard) = await GuardedAsync("GET / HT");

        var partial = await guard.ReadAsync();
        Assert.Equal("GET / HT", Text(partial.Buffer));
        guard.AdvanceTo(partial.Buffer.Start, partial.Buffer.End);

        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes("TP/9.9\r\n\r\n"));
        var whole = await guard.ReadAsync();

        Assert.Equal("(\r\n", Text(whole.Buffer));
    }

    [Fact]
    public async Task ReadAsync_ReadsThatWaitForData_CompleteInOrderOnTheSameReader()
    {
        var pipe = new Pipe();
        var guard = new VersionGuardReader(pipe.Reader);
        var seen = new StringBuilder();

        for (int i = 0; i < 500; i++)
        {
            var waiting = guard.ReadAsync();
            Assert.False(waiting.IsCompleted);
            await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(Get));
            var read = await waiting;
            seen.Append(Text(read.Buffer));
            guard.AdvanceTo(read.Buffer.End);
        }

        var last = guard.ReadAsync();
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(Bad));
        Assert.Equal("(\r\n", Text((await last).Buffer));
        Assert.Equal(string.Concat(Enumerable.Repeat(Get, 500)), seen.ToString());
    }

    [Fact]
    public async Task ReadAsync_WriterFailsWhileWaiting_TheReadThrowsItsError()
    {
        var pipe = new Pipe();
        var guard = new VersionGuardReader(pipe.Reader);

        var waiting = guard.ReadAsync();
        await pipe.Writer.CompleteAsync(new IOException("connection reset"));

        var error = await Assert.ThrowsAsync<IOException>(async () => await waiting);
        Assert.Equal("connection reset", error.Message);
    }

    [Fact]
    public async Task TryRead_BadLineFirst_GivesTheReplacement()
    {
        var (_, guard) = await GuardedAsync(Bad);

        Assert.True(guard.TryRead(out var read));
        Assert.Equal("(\r\n", Text(read.Buffer));
    }

    private static async Task<(Pipe Pipe, VersionGuardReader Guard)> GuardedAsync(string initial)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes(initial));
        return (pipe, new VersionGuardReader(pipe.Reader));
    }

    private static string Text(ReadOnlySequence<byte> buffer) => Encoding.ASCII.GetString(buffer.ToArray());
}
