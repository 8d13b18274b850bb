using SourceApp.Notify;
using SourceApp.Tests.Support;
using TestRedirects;

namespace SourceApp.Tests.Notify;

public class InvalidationSenderTests
{
    /// <summary>
    /// A redirect keeps every header but Authorization: followed, it would take the nodes' secret to
    /// whatever host the answer names, and that host's 200 would count as the node's confirmation.
    /// </summary>
    [Fact]
    public async Task TrySend_NodeRedirects_IsNotConfirmed_AndTheSecretGoesNowhereElse()
    {
        await using var node = await RedirectingServer.StartAsync();
        using var logs = new CapturingLoggerProvider();
        using var sender = new InvalidationSender(logs.CreateLogger("notify"), TimeSpan.FromSeconds(5), nodeSecret: "cluster-secret");

        bool confirmed = await sender.TrySendAsync(new Uri(node.Url), "k", CancellationToken.None);

        Assert.False(confirmed);
        Assert.Empty(node.ElsewhereRequests);
        Assert.Equal("HTTP 302", Assert.Single(logs.Entries).Fields["Reason"]);
    }
}
