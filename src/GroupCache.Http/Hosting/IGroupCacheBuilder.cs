using Microsoft.Extensions.DependencyInjection;

namespace GroupCache.Http;

/// <summary>What <c>AddGroupCache</c> returns: add groups (and a peer source) to it.</summary>
public interface IGroupCacheBuilder
{
    /// <summary>The services the groups are registered in.</summary>
    IServiceCollection Services { get; }
}

internal sealed class GroupCacheBuilder(IServiceCollection services, GroupRegistrations registrations) : IGroupCacheBuilder
{
    public IServiceCollection Services { get; } = services;

    public GroupRegistrations Registrations { get; } = registrations;
}
