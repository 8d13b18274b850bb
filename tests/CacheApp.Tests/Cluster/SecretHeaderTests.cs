using GroupCache.Http;
using SourceApp.Notify;

namespace CacheApp.Tests.Cluster;

public class SecretHeaderTests
{
    [Fact]
    public void SourceNotifier_SecretHeader_IsTheOneTheNodesCheck() =>
        // SourceApp does not reference GroupCache.Http, so it names the header itself; this keeps the two names one.
        Assert.Equal(PeerProtocolHeaders.Secret, CacheInvalidationNotifier.SecretHeader);
}
