using Microsoft.Extensions.DependencyInjection;

namespace GroupCache.Http;

/// <summary>
/// A getter resolved from DI for each load, in a scope of its own that ends with the load, so that
/// it may depend on scoped services (a DbContext, a typed HttpClient).
/// </summary>
internal sealed class ScopedGetter<TGetter>(IServiceScopeFactory scopes) : IGetter
    where TGetter : class, IGetter
{
    public async ValueTask<ByteView> GetAsync(string key, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var getter = scope.ServiceProvider.GetRequiredService<TGetter>();
            return await getter.GetAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }
}
